// A real SMTP server in the test process (smtp-server on 127.0.0.1): records what it accepts, and can refuse
// (e.g. 451 at RCPT TO) or be stopped and started again on the same port to play an outage.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  /** The decoded text body (quoted-printable undone, CRLF → LF). */
  text: string;
}

export interface Refusal {
  code: number;
  message: string;
  /** The SMTP command that gets the refusal. */
  at: 'rcpt' | 'data';
}

function smtpError(r: Refusal): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

/** Headers unfolded and the body decoded; enough for the plain-text mails nodemailer builds from `text`. */
export function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to'> {
  const msg = raw.replace(/\r\n/g, '\n');
  const split = msg.indexOf('\n\n');
  const head = msg.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? '';
  let text = msg.slice(split + 2);
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding')))
    text = text.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return { subject: header('Subject'), messageId: header('Message-ID'), text };
}

export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** Refuse every message this way while set (nothing is recorded). */
  refuse: Refusal | null = null;
  /** Wait this long before answering DATA (a slow server). */
  delayMs = 0;
  private server: SMTPServer | null = null;
  port = 0;

  /** Listens on 127.0.0.1 (port 0 = any free port; after `stop()`, `start(sink.port)` takes the same one again). */
  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address: SMTPServerAddress, _session, cb) => {
        cb(this.refuse?.at === 'rcpt' ? smtpError(this.refuse) : undefined);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => setTimeout(finish, this.delayMs));
        const finish = () => {
          if (this.refuse?.at === 'data') return cb(smtpError(this.refuse));
          const envelope = session.envelope;
          this.mails.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((r) => r.address),
            ...parseMail(Buffer.concat(chunks).toString('utf8')),
          });
          cb();
        };
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined); // a client dropping its connection is not a test failure
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

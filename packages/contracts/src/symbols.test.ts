import { describe, expect, it } from 'vitest';
import { isNormalisedSymbol, isSymbol, parseNormalisedSymbol, parseSymbol, symbolParam } from './index.js';

// The one symbol format, as every route, socket room and daemon uses it (docs/legacy-contracts.md, "Symbols").
describe('symbol format', () => {
  it.each([
    [' btcusdt ', 'BTCUSDT'],
    ['BTCUSDT_250926', 'BTCUSDT_250926'], // dated delivery contract: the exchange spells it with `_`
    ['1000PEPEUSDT', '1000PEPEUSDT'],
    ['X', 'X'],
    ['A'.repeat(40), 'A'.repeat(40)],
  ])('parseSymbol(%j) → %s', (input, out) => {
    expect(parseSymbol(input)).toBe(out);
    expect(symbolParam().parse(input)).toBe(out);
  });

  it.each([[''], ['   '], ['BTC-USDT'], ['BTC/USDT'], ['A'.repeat(41)], ['BTC USDT'], [42], [null]])(
    'parseSymbol(%j) → null, and the zod schema rejects it',
    (input) => {
      expect(parseSymbol(input)).toBeNull();
      expect(symbolParam().safeParse(input).success).toBe(false);
    },
  );

  it.each([
    ['btc_usdt', 'BTCUSDT'],
    ['eth-usdt', 'ETHUSDT'],
    [' SOLUSDT ', 'SOLUSDT'],
    ['BTCUSDT_250926', 'BTCUSDT250926'],
  ])('parseNormalisedSymbol(%j) → %s (legacy OI rule: drop - and _, upper-case)', (input, out) => {
    expect(parseNormalisedSymbol(input)).toBe(out);
  });

  it.each([['BTC/USDT'], ['-_-'], ['A'.repeat(41)], [undefined]])('parseNormalisedSymbol(%j) → null', (input) => {
    expect(parseNormalisedSymbol(input)).toBeNull();
  });

  it('isSymbol and isNormalisedSymbol check without changing anything', () => {
    expect(isSymbol('BTCUSDT_250926')).toBe(true);
    expect(isSymbol('btcusdt')).toBe(false);
    expect(isNormalisedSymbol('BTCUSDT')).toBe(true);
    expect(isNormalisedSymbol('BTCUSDT_250926')).toBe(false);
  });
});

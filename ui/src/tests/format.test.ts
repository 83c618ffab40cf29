import { describe, expect, it } from 'vitest';
import wholeMonthCases from '../../../tests/fixtures/rules/whole-months.json';
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatMoney,
  formatMoneyInput,
  formatMonthsAt,
  formatPhone,
  monthLabel,
  monthsSince,
  parseMoneyInput,
  parseUsDate,
  rangeLabel,
  toCents,
  wholeMonths,
} from '../lib/format';

describe('money formatting', () => {
  it('shows dollars with thousands separators and always two cents digits', () => {
    expect(formatMoney('1234.56')).toBe('$1,234.56');
    expect(formatMoney('2874315.5')).toBe('$2,874,315.50');
    expect(formatMoney('0')).toBe('$0.00');
    expect(formatMoney('999')).toBe('$999.00');
  });

  it('rounds sub-cent amounts half away from zero without going through floats', () => {
    expect(formatMoney('1.005')).toBe('$1.01');
    expect(formatMoney('1.004')).toBe('$1.00');
    expect(formatMoney('-20.125')).toBe('-$20.13');
    // 0.1 + 0.2 style float errors cannot appear: cents are integers (BigInt).
    expect(toCents('12345678901234567.89')).toBe(1234567890123456789n);
  });

  it('puts the minus sign before the dollar sign', () => {
    expect(formatMoney('-1500')).toBe('-$1,500.00');
  });

  it('returns text that is not a number unchanged rather than inventing a value', () => {
    expect(formatMoney('n/a')).toBe('n/a');
    expect(formatMoney('')).toBe('');
  });

  it('reads what people type in a money field into the decimal string Rust expects', () => {
    expect(parseMoneyInput('$4,250')).toBe('4250.00');
    expect(parseMoneyInput('4250.5')).toBe('4250.50');
    expect(parseMoneyInput(' 12 000.00 ')).toBe('12000.00');
    expect(parseMoneyInput('.75')).toBe('0.75');
    expect(parseMoneyInput('12.345')).toBeNull();
    expect(parseMoneyInput('-5')).toBeNull();
    expect(parseMoneyInput('abc')).toBeNull();
    expect(parseMoneyInput('')).toBeNull();
  });

  it('tidies a money field when the user leaves it', () => {
    expect(formatMoneyInput('4250')).toBe('4,250.00');
    expect(formatMoneyInput('oops')).toBe('oops');
  });
});

describe('phone formatting', () => {
  it('formats ten US digits as (555) 123-4567', () => {
    expect(formatPhone('5551234567')).toBe('(555) 123-4567');
    expect(formatPhone('555-123-4567')).toBe('(555) 123-4567');
  });

  it('drops the leading country code 1', () => {
    expect(formatPhone('+1 555 123 4567')).toBe('(555) 123-4567');
    expect(formatPhone('15551234567')).toBe('(555) 123-4567');
  });

  it('leaves numbers it does not understand as they were', () => {
    expect(formatPhone('12345')).toBe('12345');
    expect(formatPhone('+44 20 7946 0958')).toBe('+44 20 7946 0958');
  });
});

describe('date formatting', () => {
  it('shows ISO calendar dates as MM/DD/YYYY without any time-zone shift', () => {
    expect(formatDate('2024-03-05')).toBe('03/05/2024');
    expect(formatDate('1986-12-31')).toBe('12/31/1986');
  });

  it('shows instants as the local date and a 12-hour local time', () => {
    const local = new Date(2024, 2, 5, 14, 5); // 03/05/2024 2:05 PM here
    expect(formatDate(local.toISOString())).toBe('03/05/2024');
    expect(formatDateTime(local.toISOString())).toBe('03/05/2024 2:05 PM');
    expect(formatDateTime(new Date(2024, 0, 9, 0, 30).toISOString())).toBe('01/09/2024 12:30 AM');
  });

  it('returns unparseable dates unchanged', () => {
    expect(formatDate('someday')).toBe('someday');
  });

  it('parses MM/DD/YYYY and ISO input into ISO, refusing impossible dates', () => {
    expect(parseUsDate('04/17/1986')).toBe('1986-04-17');
    expect(parseUsDate('4/7/1986')).toBe('1986-04-07');
    expect(parseUsDate('1986-04-17')).toBe('1986-04-17');
    expect(parseUsDate('02/30/1986')).toBeNull();
    expect(parseUsDate('13/01/1986')).toBeNull();
    expect(parseUsDate('17.04.1986')).toBeNull();
  });

  it('says time at an address in years and months', () => {
    expect(formatMonthsAt(26)).toBe('2 years 2 months');
    expect(formatMonthsAt(12)).toBe('1 year');
    expect(formatMonthsAt(1)).toBe('1 month');
    expect(formatMonthsAt(7)).toBe('7 months');
    expect(formatMonthsAt(0)).toBe('less than a month');
  });

  it('counts whole months since a date, not counting a month that is not complete', () => {
    const today = new Date(2024, 5, 15); // June 15th 2024
    expect(monthsSince('2022-06-15', today)).toBe(24);
    expect(monthsSince('2022-06-16', today)).toBe(23);
    expect(monthsSince('2030-01-01', today)).toBe(0);
    expect(monthsSince('', today)).toBeNull();
  });

  it("counts whole months by the same cases as Rust's rule, month ends included", () => {
    expect(wholeMonthCases.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of wholeMonthCases.cases) {
      expect(wholeMonths(c.from, c.to), `${c.from} to ${c.to}`).toBe(c.months);
    }
    // Two years from a leap day are complete on the last day of February.
    expect(monthsSince('2024-02-29', new Date(2026, 1, 28))).toBe(24);
  });

  it('labels chart months briefly and in full', () => {
    expect(monthLabel('2024-03')).toEqual({ short: 'Mar', long: 'Mar 2024', year: '2024' });
  });
});

describe('counts and paging captions', () => {
  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });

  it('describes the page shown as "1–50 of 1,234"', () => {
    expect(rangeLabel(0, 50, 1234)).toBe('1–50 of 1,234');
    expect(rangeLabel(1200, 34, 1234)).toBe('1,201–1,234 of 1,234');
    expect(rangeLabel(0, 0, 0)).toBe('0 of 0');
  });
});

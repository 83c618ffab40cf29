import { afterEach, describe, expect, it, vi } from 'vitest';
import { PagedList, SEARCH_DEBOUNCE_MS, type ListPage, type ListPosition } from '../lib/paged-list.svelte';
import { commandError } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

interface Row {
  id: string;
}

const rows = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => ({ id: `r${from + i}` }));

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve: (value: T) => resolve(value) };
}

function setup(fetch: (query: string | null, position: ListPosition) => Promise<ListPage<Row>>) {
  const position: ListPosition = { query: '', offset: 0, selected: 0 };
  const opened: Row[] = [];
  const list = new PagedList<Row>({
    name: 'thing',
    position,
    pageSize: 10,
    fetch: (query) => fetch(query, position),
    open: (row) => opened.push(row),
  });
  return { list, position, opened };
}

const key = (name: string) => new KeyboardEvent('keydown', { key: name, cancelable: true });

afterEach(() => {
  vi.useRealTimers();
});

describe('the paged-list controller', () => {
  it('keeps only the answer to the latest request when answers come back out of order', async () => {
    const older = deferred<ListPage<Row>>();
    const newer = deferred<ListPage<Row>>();
    const queue = [older, newer];
    const { list } = setup(() => (queue.shift() ?? newer).promise);
    const first = list.load();
    const second = list.load();
    newer.resolve({ items: rows(1, 2), total: 2 });
    await second;
    expect(list.loading).toBe(false);
    older.resolve({ items: rows(1, 9), total: 9 });
    await first;
    expect(list.rows).toHaveLength(2);
    expect(list.total).toBe(2);
    expect(list.loaded).toBe(true);
  });

  it('waits for a pause in typing, then searches from the first page with the trimmed query', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async (_query: string | null) => ({ items: rows(1, 1), total: null }));
    const { list, position } = setup(fetch);
    Object.assign(position, { offset: 20, selected: 4 });
    position.query = ' fo';
    list.onSearchInput();
    position.query = ' ford ';
    list.onSearchInput();
    expect(position).toMatchObject({ offset: 0, selected: 0 });
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe('ford');
  });

  it('loads a filter change at once and cancels a pending search', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async () => ({ items: [], total: 0 }));
    const { list, position } = setup(fetch);
    position.query = 'x';
    list.onSearchInput();
    list.onFilterChange();
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('pages with PageDown/PageUp only while there is a page to go to', async () => {
    const offsets: number[] = [];
    const { list, position } = setup(async (_q, p) => {
      offsets.push(p.offset);
      return { items: rows(p.offset, Math.min(10, 25 - p.offset)), total: 25 };
    });
    await list.load();
    list.onListKeys(key('PageUp'));
    list.onListKeys(key('PageDown'));
    await vi.waitFor(() => expect(list.loading).toBe(false));
    list.onListKeys(key('PageDown'));
    await vi.waitFor(() => expect(list.loading).toBe(false));
    expect(position.offset).toBe(20);
    expect(list.hasNext).toBe(false);
    const last = key('PageDown');
    list.onListKeys(last);
    expect(last.defaultPrevented).toBe(false);
    expect(offsets).toEqual([0, 10, 20]);
  });

  it('does not page an unpaged answer (no total)', async () => {
    const { list } = setup(async () => ({ items: rows(1, 10), total: null }));
    await list.load();
    expect(list.hasNext).toBe(false);
  });

  it('moves the selection within the rows and opens the selected row with Enter', async () => {
    const { list, position, opened } = setup(async () => ({ items: rows(1, 3), total: 3 }));
    await list.load();
    for (const k of ['ArrowDown', 'ArrowDown', 'ArrowDown']) list.onListKeys(key(k));
    expect(position.selected).toBe(2);
    expect(list.selectedId).toBe('thing-row-2');
    list.onListKeys(key('ArrowUp'));
    list.onListKeys(key('Enter'));
    expect(opened).toEqual([{ id: 'r2' }]);
    list.openAt(0);
    expect(position.selected).toBe(0);
    expect(opened.at(-1)).toEqual({ id: 'r1' });
  });

  it('keeps a kept selection inside a shorter answer', async () => {
    const { list, position } = setup(async () => ({ items: rows(1, 2), total: 2 }));
    position.selected = 7;
    await list.load();
    expect(position.selected).toBe(1);
  });

  it('clears the search with Escape', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async (_query: string | null) => ({ items: [], total: 0 }));
    const { list, position } = setup(fetch);
    position.query = 'abc';
    position.offset = 10;
    const esc = key('Escape');
    list.onListKeys(esc);
    expect(esc.defaultPrevented).toBe(true);
    expect(position).toMatchObject({ query: '', offset: 0 });
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(fetch.mock.calls[0]?.[0]).toBeNull();
  });

  it('shows why a load failed and clears the error on the next load', async () => {
    let fail = true;
    const { list } = setup(async () => {
      if (fail) throw commandError('storage', 'database is locked');
      return { items: rows(1, 1), total: 1 };
    });
    await list.load();
    expect(list.error).toMatch(/database/i);
    expect(list.loading).toBe(false);
    fail = false;
    await list.load();
    expect(list.error).toBeNull();
    expect(list.rows).toHaveLength(1);
  });

  it('captions the range, or why it is empty', async () => {
    let total = 120;
    const { list, position } = setup(async () => ({ items: rows(1, Math.min(10, total)), total }));
    position.offset = 10;
    await list.load();
    expect(list.rangeCaption(false, 'No things')).toBe('11–20 of 120');
    total = 0;
    await list.load();
    expect(list.rangeCaption(true, 'No things')).toBe('No matches');
    expect(list.rangeCaption(false, 'No things')).toBe('No things');
  });
});

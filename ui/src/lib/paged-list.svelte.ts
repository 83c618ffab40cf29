/**
 * The behaviour shared by the customer, inventory and deal lists: a debounced search, paging,
 * out-of-order answers dropped by sequence number, a keyboard-driven selection and the
 * loading/empty/error states. Each screen keeps its own columns, filters and copy and renders
 * through PagedTable.svelte.
 *
 * Where the list is (query, page, selected row) lives in a module-level `$state` that the
 * screen passes in, so opening a row and coming back returns to the same place.
 */
import { tick } from 'svelte';
import { isTypingTarget } from './actions';
import { rangeLabel } from './format';
import { loadErrorMessage } from './load';

export const SEARCH_DEBOUNCE_MS = 150;

/** The part of a list's kept state that the controller reads and moves. */
export interface ListPosition {
  query: string;
  offset: number;
  selected: number;
}

/** One answer from the backend; `total` is null when it cannot be paged (a customer search). */
export interface ListPage<Row> {
  items: Row[];
  total: number | null;
}

export interface PagedListOptions<Row> {
  /** Prefix of the element ids and test ids: `deal` gives `deal-search`, `deal-table`, `deal-row-3`. */
  name: string;
  position: ListPosition;
  pageSize: number;
  /** Fetches the page at `position.offset`; `query` is the trimmed search, null when empty. */
  fetch: (query: string | null) => Promise<ListPage<Row>>;
  open: (row: Row) => void;
  debounceMs?: number;
}

export class PagedList<Row> {
  rows = $state<Row[]>([]);
  /** Total for paging; null before the first answer and while showing unpaged search results. */
  total = $state<number | null>(null);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  searchEl = $state<HTMLInputElement>();
  tableEl = $state<HTMLTableElement>();

  readonly name: string;
  readonly position: ListPosition;
  readonly pageSize: number;
  readonly #fetch: (query: string | null) => Promise<ListPage<Row>>;
  readonly #open: (row: Row) => void;
  readonly #debounceMs: number;
  #requestSeq = 0;
  #debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PagedListOptions<Row>) {
    this.name = options.name;
    this.position = options.position;
    this.pageSize = options.pageSize;
    this.#fetch = options.fetch;
    this.#open = options.open;
    this.#debounceMs = options.debounceMs ?? SEARCH_DEBOUNCE_MS;
  }

  get searching(): boolean {
    return this.position.query.trim() !== '';
  }

  /** Whether there is a page after this one. */
  get hasNext(): boolean {
    return this.total !== null && this.position.offset + this.pageSize < this.total;
  }

  rowId(index: number): string {
    return `${this.name}-row-${index}`;
  }

  /** The id of the selected row, for `aria-activedescendant`. */
  get selectedId(): string | undefined {
    return this.rows[this.position.selected] ? this.rowId(this.position.selected) : undefined;
  }

  /** "1–50 of 120"; once loaded and empty, "No matches" or `none` when nothing is filtered out. */
  rangeCaption(filtered: boolean, none: string): string {
    if (this.loaded && this.total === 0) return filtered ? 'No matches' : none;
    return rangeLabel(this.position.offset, this.rows.length, this.total ?? 0);
  }

  /** Loads the first time and returns the clean-up; for `onMount`. */
  start(): () => void {
    void this.load();
    return () => clearTimeout(this.#debounce);
  }

  load = async (): Promise<void> => {
    const seq = ++this.#requestSeq;
    const query = this.position.query.trim();
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(query === '' ? null : query);
      if (seq !== this.#requestSeq) return;
      this.rows = page.items;
      this.total = page.total;
      if (this.position.selected >= this.rows.length) this.position.selected = Math.max(0, this.rows.length - 1);
      this.loaded = true;
    } catch (e) {
      if (seq !== this.#requestSeq) return;
      this.error = loadErrorMessage(e, this.load);
    } finally {
      if (seq === this.#requestSeq) this.loading = false;
    }
  };

  #restart(): void {
    this.position.selected = 0;
    this.position.offset = 0;
  }

  /** The search box changed: back to the first page, load once typing pauses. */
  onSearchInput = (): void => {
    this.#restart();
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.load(), this.#debounceMs);
  };

  /** A filter changed: back to the first page, load now. */
  onFilterChange = (): void => {
    this.#restart();
    clearTimeout(this.#debounce);
    void this.load();
  };

  page = (delta: number): void => {
    this.position.offset = Math.max(0, this.position.offset + delta * this.pageSize);
    this.position.selected = 0;
    void this.load();
  };

  open = (row: Row | undefined): void => {
    if (row) this.#open(row);
  };

  /** A click on a row: select it and open it. */
  openAt = (index: number): void => {
    this.position.selected = index;
    this.open(this.rows[index]);
  };

  select = async (index: number): Promise<void> => {
    if (this.rows.length === 0) return;
    this.position.selected = Math.min(this.rows.length - 1, Math.max(0, index));
    await tick();
    this.tableEl?.querySelector(`#${this.rowId(this.position.selected)}`)?.scrollIntoView?.({ block: 'nearest' });
  };

  /** Up/Down move the selection, Enter opens it; works from the search box and the table. */
  onListKeys = (event: KeyboardEvent): void => {
    const position = this.position;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        void this.select(position.selected + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        void this.select(position.selected - 1);
        break;
      case 'PageDown':
        if (this.hasNext) {
          event.preventDefault();
          this.page(1);
        }
        break;
      case 'PageUp':
        if (position.offset > 0) {
          event.preventDefault();
          this.page(-1);
        }
        break;
      case 'Enter':
        if (this.rows[position.selected]) {
          event.preventDefault();
          this.open(this.rows[position.selected]);
        }
        break;
      case 'Escape':
        if (position.query) {
          event.preventDefault();
          position.query = '';
          this.onSearchInput();
        }
        break;
    }
  };

  /** `/` jumps to this list's search box from anywhere on the screen. */
  onWindowKeys = (event: KeyboardEvent): void => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTypingTarget(event.target)) return;
    event.preventDefault();
    this.searchEl?.focus();
    this.searchEl?.select();
  };
}

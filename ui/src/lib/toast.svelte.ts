export type ToastKind = 'success' | 'info' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

const TOAST_MS = 4000;
let nextId = 1;
const items = $state<Toast[]>([]);

export const toasts = {
  get items(): readonly Toast[] {
    return items;
  },
  push(message: string, kind: ToastKind = 'success'): void {
    const id = nextId++;
    items.push({ id, kind, message });
    setTimeout(() => toasts.dismiss(id), TOAST_MS);
  },
  dismiss(id: number): void {
    const i = items.findIndex((t) => t.id === id);
    if (i >= 0) items.splice(i, 1);
  },
  clear(): void {
    items.length = 0;
  },
};

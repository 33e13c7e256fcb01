// A column header that sorts its table: a button inside the <th>, aria-sort on the sorted column.
export type SortOrder = 'asc' | 'desc';

export interface SortHeaderProps<K extends string> {
  column: K;
  label: string;
  sort: K;
  order: SortOrder;
  onSort: (column: K, order: SortOrder) => void;
}

export function SortHeader<K extends string>({ column, label, sort, order, onSort }: SortHeaderProps<K>) {
  const on = sort === column;
  const next: SortOrder = on && order === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" aria-sort={on ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort-button" onClick={() => onSort(column, next)}>
        {label}
        <span class="sort-mark" aria-hidden="true">
          {on ? (order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

// A value that follows `value` once it has stopped changing for `ms` (typing in a search box).
import { useEffect, useState } from 'preact/hooks';

export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

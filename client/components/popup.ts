// Consent and sign-in pages refuse to be framed, so they open in a popup. Browsers allow a popup
// only from a click, and the URL arrives after a request, so the window opens empty during the
// click and is sent to the URL when it arrives.
export interface PendingPopup {
  /** Sends the popup to `url`; false when the browser blocked it (offer a link instead). */
  navigate: (url: string) => boolean;
  close: () => void;
}

export function openPendingPopup(name: string, onClosed?: () => void): PendingPopup {
  const win = window.open('about:blank', name, 'popup,width=620,height=720');
  let watch: ReturnType<typeof setInterval> | undefined;
  if (win && onClosed) {
    watch = setInterval(() => {
      if (win.closed) {
        clearInterval(watch);
        onClosed();
      }
    }, 1000);
  }
  return {
    navigate(url) {
      if (!win || win.closed) return false;
      win.location.href = url;
      win.focus();
      return true;
    },
    close() {
      if (watch !== undefined) clearInterval(watch);
      win?.close();
    },
  };
}

// Calls to the gateway with the key in the X-API-Key header, never in a URL.
export function api(key) {
  async function get(path) {
    const response = await fetch(path, { headers: { 'X-API-Key': key } });
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${response.status}`), { status: response.status });
    return body;
  }

  /**
   * Follows /v1/hosting/events with fetch streaming (EventSource cannot send
   * headers), reconnecting with Last-Event-ID after a cut so nothing is missed.
   * Returns a function that stops it.
   */
  function follow(project, onChange, onState) {
    let stopped = false;
    let lastId;
    let controller;
    (async () => {
      while (!stopped) {
        controller = new AbortController();
        try {
          const headers = { 'X-API-Key': key, Accept: 'text/event-stream' };
          if (lastId) headers['Last-Event-ID'] = lastId;
          const response = await fetch(`/v1/hosting/events?project=${encodeURIComponent(project)}`, { headers, signal: controller.signal });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          onState(true);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let text = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            text += value;
            let end;
            while ((end = text.indexOf('\n\n')) >= 0) {
              const frame = parseFrame(text.slice(0, end));
              text = text.slice(end + 2);
              if (frame.id) lastId = frame.id;
              if (frame.event === 'resource' && frame.data) onChange(JSON.parse(frame.data));
              if (frame.event === 'reset') onChange({ type: 'reset' });
            }
          }
        } catch {
          // cut off or refused: try again shortly
        }
        onState(false);
        if (!stopped) await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    return () => {
      stopped = true;
      controller?.abort();
    };
  }

  return { get, follow };
}

function parseFrame(raw) {
  const frame = {};
  for (const line of raw.split('\n')) {
    if (line.startsWith(':') || !line.includes(':')) continue;
    const field = line.slice(0, line.indexOf(':'));
    const value = line.slice(line.indexOf(':') + 1).replace(/^ /, '');
    frame[field] = frame[field] && field === 'data' ? `${frame[field]}\n${value}` : value;
  }
  return frame;
}

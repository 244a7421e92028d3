// Sink URIs may carry credentials (https://user:pass@host); logs, metrics and errors only ever see this form.
export function redactUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.username === '' && url.password === '') return uri;
    url.username = '***';
    url.password = '';
    return url.toString();
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//***@');
  }
}

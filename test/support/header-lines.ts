/** Header lines as binaryHeaderLines writes them ("name: value\r\n" each), read back as the headers a server sees. */
export function headersOf(lines: { readonly text: string }): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines.text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(': ');
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return headers;
}

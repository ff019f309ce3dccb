/** HTTP Basic credentials: `device@application:password`, or user = device with ?application=. */
export interface Credentials {
  readonly application: string | undefined;
  readonly device: string;
  readonly password: string;
}

export function basicCredentials(authorization: string | undefined, applicationParam: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const at = user.lastIndexOf('@');
  if (at > 0) return { device: user.slice(0, at), application: user.slice(at + 1), password };
  return { device: user, application: applicationParam, password };
}

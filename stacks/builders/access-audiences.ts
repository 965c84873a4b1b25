import { accessAudienceHost } from "../../charts/access-audience";

/**
 * A copy of `value` (Kubernetes objects as JSON) in which every Access audience placeholder is replaced
 * by the audience `audienceOf` gives for its hostname, which may be a Pulumi output: the objects are
 * then applied exactly as render shows them but for the placeholders.
 * @throws Error naming the hostname when `audienceOf` knows no audience for a placeholder
 */
export function withAccessAudiences<Audience>(
  value: unknown,
  audienceOf: (host: string) => Audience | undefined,
): unknown {
  if (typeof value === "string") {
    const host = accessAudienceHost(value);
    if (host === undefined) return value;
    const audience = audienceOf(host);
    if (audience === undefined) {
      throw new Error(
        `${value}: no Cloudflare Access application for ${host} — the gateway's token check on ${host} needs that application's AUD tag`,
      );
    }
    return audience;
  }
  if (Array.isArray(value)) return value.map((item) => withAccessAudiences(item, audienceOf));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withAccessAudiences(item, audienceOf)]),
    );
  }
  return value;
}

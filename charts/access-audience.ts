/**
 * The audience a Cloudflare Access token must carry at the gateway is the AUD tag of the hostname's
 * Access application, which Cloudflare makes when the application is created. Render shows it as this
 * placeholder; the Pulumi program puts the application's `aud` in its place before applying.
 */
export function accessAudiencePlaceholder(host: string): string {
  return `<access-aud:${host}>`;
}

const placeholder = /^<access-aud:([^<>]+)>$/;

/** The hostname whose Access audience `text` stands for; undefined when `text` is no such placeholder. */
export function accessAudienceHost(text: string): string | undefined {
  return placeholder.exec(text)?.[1];
}

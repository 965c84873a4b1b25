/**
 * Free mail providers: an Access rule admitting one of these domains admits anyone who signs up
 * there. Lower case.
 */
export const publicMailDomains: ReadonlySet<string> = new Set([
  "126.com",
  "163.com",
  "aol.com",
  "btinternet.com",
  "comcast.net",
  "fastmail.com",
  "free.fr",
  "gmail.com",
  "gmx.com",
  "gmx.de",
  "gmx.net",
  "googlemail.com",
  "hey.com",
  "hotmail.com",
  "icloud.com",
  "libero.it",
  "mailbox.org",
  "live.com",
  "mac.com",
  "mail.com",
  "mail.ru",
  "me.com",
  "msn.com",
  "orange.fr",
  "outlook.com",
  "pm.me",
  "posteo.de",
  "proton.me",
  "protonmail.com",
  "qq.com",
  "t-online.de",
  "tuta.io",
  "tutanota.com",
  "web.de",
  "yahoo.com",
  "yandex.com",
  "yandex.ru",
  "ymail.com",
  "zoho.com",
]);

/**
 * First labels of free mail providers that run the same service under many country domains
 * (yahoo.co.uk, outlook.de, gmx.at, protonmail.ch). Only well-known families: a family name under
 * someone else's domain (mail.example.com) is that domain's own.
 */
export const publicMailFamilies: ReadonlySet<string> = new Set([
  "aol",
  "fastmail",
  "gmail",
  "gmx",
  "googlemail",
  "hotmail",
  "icloud",
  "live",
  "mail",
  "msn",
  "outlook",
  "proton",
  "protonmail",
  "rocketmail",
  "tuta",
  "tutamail",
  "tutanota",
  "yahoo",
  "yandex",
  "ymail",
  "zoho",
  "zohomail",
]);

/** Top-level domains a provider family uses besides the two-letter country codes. */
const genericTopLevel = new Set(["com", "net", "org", "info", "biz", "email"]);
/** Second levels under a country code that stand for "commercial" and the like: co.uk, com.au. */
const countrySecondLevel = new Set(["co", "com", "net", "org", "ne", "or"]);

/** `de`, `com`, `co.uk`, `com.au`: a tail under which anyone may register a name. */
function isPublicSuffixLike(labels: readonly string[]): boolean {
  const isCountry = (label: string) => /^[a-z]{2}$/.test(label);
  if (labels.length === 1) return isCountry(labels[0]) || genericTopLevel.has(labels[0]);
  return labels.length === 2 && countrySecondLevel.has(labels[0]) && isCountry(labels[1]);
}

/**
 * Whether admitting a domain admits anyone who signs up somewhere: when the domain or any domain
 * above it is a listed provider (mail.yahoo.com under yahoo.com), or when it is a provider family
 * directly under a public suffix (yahoo.co.uk, outlook.de, gmx.at). Private domains such as
 * example.org, family-smith.de or mail.example.com are not.
 */
export function isPublicMailDomain(domain: string): boolean {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  for (let start = 0; start < labels.length - 1; start++) {
    if (publicMailDomains.has(labels.slice(start).join("."))) return true;
  }
  return labels.length > 1 && publicMailFamilies.has(labels[0]) && isPublicSuffixLike(labels.slice(1));
}

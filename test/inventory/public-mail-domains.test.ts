import { isPublicMailDomain } from "../../inventory/public-mail-domains";

describe("public mail domains", () => {
  it.each([
    "gmail.com",
    "yahoo.co.uk",
    "hotmail.co.uk",
    "outlook.de",
    "protonmail.ch",
    "yahoo.fr",
    "gmx.at",
    "live.co.uk",
    "mail.yahoo.com",
    "gmail.com.au",
    "zoho.eu",
    "mail.de",
    "GMail.com.",
  ])("%s is public", (domain) => expect(isPublicMailDomain(domain)).toBe(true));

  it.each([
    "example.org",
    "family-smith.de",
    "mail.example.com",
    "mailbox.org.example",
    "yahoo.example.co.uk",
    "outlook-team.de",
    "gmailer.com",
    "live.example.org",
  ])("%s is private", (domain) => expect(isPublicMailDomain(domain)).toBe(false));
});

import type { PropertyPresence } from "./binding";

/** Credentials of a Talos API client (talosctl's CA, certificate and key). */
export interface ClientConfiguration {
  caCertificate: string;
  clientCertificate: string;
  clientKey: string;
}

export const clientConfigurationFields: PropertyPresence<ClientConfiguration> = {
  caCertificate: "required",
  clientCertificate: "required",
  clientKey: "required",
};

export interface CertificateAndKey {
  cert: string;
  key: string;
}

/** Everything a cluster's machine configs are generated from: CAs, tokens and encryption secrets. */
export interface MachineSecrets {
  certs: {
    etcd: CertificateAndKey;
    k8s: CertificateAndKey;
    k8sAggregator: CertificateAndKey;
    k8sServiceaccount: { key: string };
    os: CertificateAndKey;
  };
  cluster: { id: string; secret: string };
  secrets: {
    bootstrapToken: string;
    secretboxEncryptionSecret: string;
    aescbcEncryptionSecret?: string;
  };
  trustdinfo: { token: string };
}

export const machineSecretsFields: PropertyPresence<MachineSecrets> = {
  certs: "required",
  cluster: "required",
  secrets: "required",
  trustdinfo: "required",
};

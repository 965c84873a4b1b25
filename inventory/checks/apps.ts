import { enabledApps, reservedNamespaces } from "../derive";

/** Argo CD's built-in project and the platform's own: an app's project may not replace them. */
const reservedAppNames = ["default", "platform"];
import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/** Names, namespaces, network profiles and calls between apps. */
export function checkApps(inventory: ClusterInventory): Problem[] {
  const problems: Problem[] = [];
  const { apps } = inventory;
  const indexByName = new Map<string, number>();
  const enabledNamespaces = new Map<string, number>();

  apps.forEach((app, index) => {
    const at = (...rest: (string | number)[]): KeyPath => ["apps", index, ...rest];
    const earlier = indexByName.get(app.name);
    if (earlier === undefined) indexByName.set(app.name, index);
    else {
      problems.push({
        path: at("name"),
        message: `"${app.name}" is already the name of apps[${earlier}] — app names must be unique`,
      });
    }

    if (reservedAppNames.includes(app.name)) {
      problems.push({
        path: at("name"),
        message: `"${app.name}" is the name of an Argo CD project the platform keeps — choose another name`,
      });
    }
    if (reservedNamespaces.includes(app.namespace)) {
      problems.push({
        path: at(app.namespace === app.name ? "name" : "namespace"),
        message: `namespace "${app.namespace}" belongs to the cluster or the platform — give the app a namespace of its own`,
      });
    } else if (app.enabled) {
      const sharing = enabledNamespaces.get(app.namespace);
      if (sharing === undefined) enabledNamespaces.set(app.namespace, index);
      else {
        problems.push({
          path: at("namespace"),
          message: `namespace "${app.namespace}" is already used by apps[${sharing}] (${apps[sharing].name}) — each app gets a namespace of its own`,
        });
      }
    }

    if (app.profile === "media-server" && app.torrentPort === undefined) {
      problems.push({
        path: at("torrentPort"),
        message: "is required for profile media-server — the inbound BitTorrent port, such as 51413",
      });
    }
    if (app.profile !== "media-server" && app.torrentPort !== undefined) {
      problems.push({
        path: at("torrentPort"),
        message: `is only for profile media-server — remove it, or change the profile (now ${app.profile})`,
      });
    }
    if (app.profile === "worker" && app.expose.length > 0) {
      problems.push({
        path: at("expose"),
        message: "profile worker admits no inbound traffic — remove expose, or choose a web-app profile",
      });
    }
    if (app.podSecurity?.level === "restricted") {
      problems.push({
        path: at("podSecurity", "level"),
        message: "restricted is already the default — remove podSecurity, or name the level the app needs",
      });
    }
  });

  apps.forEach((app, index) => {
    app.allowTo.forEach((target, targetIndex) => {
      const path: KeyPath = ["apps", index, "allowTo", targetIndex];
      const targetIndexInApps = indexByName.get(target);
      if (app.allowTo.indexOf(target) !== targetIndex) {
        problems.push({ path, message: `"${target}" is listed twice — name each app once` });
      } else if (target === app.name) {
        problems.push({ path, message: `"${target}" is the app itself — list other apps it calls` });
      } else if (targetIndexInApps === undefined) {
        problems.push({
          path,
          message: `no app is named "${target}" — apps here: ${apps.map((other) => other.name).join(", ")}`,
        });
      } else if (app.enabled && !apps[targetIndexInApps].enabled) {
        problems.push({
          path,
          message: `app "${target}" is disabled — enable it, or remove it from allowTo`,
        });
      }
    });
  });

  if (enabledApps(inventory).length > 0 && !inventory.platform.argocd.enabled) {
    problems.push({
      path: ["platform", "argocd", "enabled"],
      message: "is false, but apps are enabled — Argo CD delivers the apps; enable it or disable the apps",
    });
  }
  return problems;
}

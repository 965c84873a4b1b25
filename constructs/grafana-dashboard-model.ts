/**
 * The slice of Grafana's dashboard JSON model the platform's dashboards use, and the builders that lay
 * panels out on the 24-column grid. Grafana reads these files through a file dashboard provider.
 */

/** The dashboard JSON model version the dashboards are written in; Grafana migrates older ones on load. */
export const grafanaSchemaVersion = 41;

/** A datasource as dashboards reference it: by the uid the hub's Grafana provisions it under. */
export interface GrafanaDatasourceRef {
  /** The datasource plugin: Mimir speaks the Prometheus API. */
  readonly type: "prometheus" | "loki";
  /** The uid the hub's Grafana provisions the datasource under. */
  readonly uid: "mimir" | "loki";
}

/** Mimir, queried in PromQL across every cluster's tenant. */
export const mimirDatasource: GrafanaDatasourceRef = { type: "prometheus", uid: "mimir" };
/** Loki, queried in LogQL across every cluster's tenant. */
export const lokiDatasource: GrafanaDatasourceRef = { type: "loki", uid: "loki" };

/** One query of a panel. */
export interface GrafanaTarget {
  /** The query's letter within its panel: `A`, `B`… */
  readonly refId: string;
  /** The panel's datasource, repeated as Grafana stores it per query. */
  readonly datasource: GrafanaDatasourceRef;
  /** PromQL for Mimir, LogQL for Loki; may hold template variables such as `$cluster`. */
  readonly expr: string;
  /** The series' name in the legend, with `{{label}}` placeholders. */
  readonly legendFormat?: string;
  /** One value per series at the end of the range (tables and stats), rather than a range. */
  readonly instant?: boolean;
  /** Values over the dashboard's time range (time series), the opposite of `instant`. */
  readonly range?: boolean;
  /** `table` for table panels: one row per series, one column per label. */
  readonly format?: "table" | "time_series";
}

/** Where a panel sits: `x` and `w` in columns of 24, `y` and `h` in grid rows. */
export interface GrafanaGridPos {
  /** The first column, 0 to 23. */
  readonly x: number;
  /** The first grid row, from the top. */
  readonly y: number;
  /** The width in columns. */
  readonly w: number;
  /** The height in grid rows (30 pixels each). */
  readonly h: number;
}

/** A panel: its visualisation, its place, and its queries against one datasource. */
export interface GrafanaPanel {
  /** Unique within the dashboard. */
  readonly id: number;
  /** The visualisation. */
  readonly type: "timeseries" | "stat" | "table" | "logs";
  /** The heading shown on the panel. */
  readonly title: string;
  /** What the panel shows, when its title does not say enough. */
  readonly description?: string;
  /** Where the panel sits on the grid. */
  readonly gridPos: GrafanaGridPos;
  /** The one datasource every target of the panel queries. */
  readonly datasource: GrafanaDatasourceRef;
  /** The queries, at least one. */
  readonly targets: readonly GrafanaTarget[];
  /** How values are shown: their unit (`bytes`, `percentunit`…). */
  readonly fieldConfig: { readonly defaults: { readonly unit?: string }; readonly overrides: readonly [] };
  /** Options of the visualisation. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Grafana's transformations of the query results, in order (a table merging queries into rows). */
  readonly transformations?: readonly { readonly id: string; readonly options: object }[];
}

/** A dashboard variable whose values come from a label of a Mimir series. */
export interface GrafanaQueryVariable {
  /** Its values come from a datasource query. */
  readonly type: "query";
  /** The name queries use, as `$name`; also the series label offered. */
  readonly name: string;
  /** The variable's caption on the dashboard. */
  readonly label: string;
  /** Mimir. */
  readonly datasource: GrafanaDatasourceRef;
  /** `label_values(<series selector>, <label>)`. */
  readonly query: string;
  /** The query as the variable editor shows it. */
  readonly definition: string;
  /** 2: refresh the values whenever the time range changes. */
  readonly refresh: 2;
  /** 1: values in alphabetical order. */
  readonly sort: 1;
  /** No "All" value: panels query one value at a time. */
  readonly includeAll: false;
  /** One value at a time. */
  readonly multi: false;
}

/** The dashboard JSON model Grafana's file provider loads. */
export interface GrafanaDashboard {
  /** The stable identifier links and alert rules use: at most 40 characters. */
  readonly uid: string;
  /** The name in Grafana's dashboard list. */
  readonly title: string;
  /** What the dashboard is for. */
  readonly description: string;
  /** `homelab-platform`. */
  readonly tags: readonly string[];
  /** The JSON model version. */
  readonly schemaVersion: number;
  /** False: the files are the source, edits in the UI would be lost. */
  readonly editable: boolean;
  /** 1: a shared crosshair across panels. */
  readonly graphTooltip: 1;
  /** The default time range, relative to now. */
  readonly time: { readonly from: string; readonly to: string };
  /** How often the dashboard reloads its queries. */
  readonly refresh: string;
  /** Times in the viewer's time zone. */
  readonly timezone: "browser";
  /** The dashboard's variables, in the order they are shown. */
  readonly templating: { readonly list: readonly GrafanaQueryVariable[] };
  /** The panels, laid out on the grid. */
  readonly panels: readonly GrafanaPanel[];
}

/** The tag every platform dashboard carries, to find them together in Grafana's dashboard list. */
export const dashboardTag = "homelab-platform";

/** A `label_values` variable over Mimir, named after the series label whose values it offers. */
export function labelVariable(name: string, title: string, seriesSelector: string): GrafanaQueryVariable {
  const query = `label_values(${seriesSelector}, ${name})`;
  return {
    type: "query",
    name,
    label: title,
    datasource: mimirDatasource,
    query,
    definition: query,
    refresh: 2,
    sort: 1,
    includeAll: false,
    multi: false,
  };
}

/** The cluster variable every per-cluster dashboard starts with: the clusters kube-state-metrics reports. */
export const clusterVariable = labelVariable("cluster", "Cluster", "kube_node_info");

/** A panel before layout: its size, not yet its place. */
export interface PanelSpec {
  /** The visualisation. */
  readonly type: GrafanaPanel["type"];
  /** The panel's heading. */
  readonly title: string;
  /** What the panel shows, when its title does not say enough. */
  readonly description?: string;
  /** Columns of 24. */
  readonly width: number;
  /** Grid rows. */
  readonly height: number;
  /** The datasource every query goes to. */
  readonly datasource: GrafanaDatasourceRef;
  /** The queries; refIds and datasources are filled in at layout. */
  readonly queries: readonly Omit<GrafanaTarget, "refId" | "datasource">[];
  /** Grafana's unit for the values. */
  readonly unit?: string;
  /** Options of the visualisation. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Transformations of the query results. */
  readonly transformations?: GrafanaPanel["transformations"];
}

/** A PromQL panel of the given type and size. */
export function metricPanel(
  type: "timeseries" | "stat" | "table",
  title: string,
  size: readonly [width: number, height: number],
  queries: PanelSpec["queries"],
  extra: Partial<Pick<PanelSpec, "unit" | "description" | "options" | "transformations">> = {},
): PanelSpec {
  const instant = type !== "timeseries";
  return {
    type,
    title,
    width: size[0],
    height: size[1],
    datasource: mimirDatasource,
    queries: queries.map((query) => ({
      ...query,
      instant,
      range: !instant,
      ...(type === "table" ? { format: "table" as const } : {}),
    })),
    ...extra,
  };
}

/** A LogQL panel: log lines (`logs`) or a metric query over them (`timeseries`). */
export function logPanel(
  type: "logs" | "timeseries",
  title: string,
  size: readonly [width: number, height: number],
  queries: PanelSpec["queries"],
  extra: Partial<Pick<PanelSpec, "unit" | "description" | "options">> = {},
): PanelSpec {
  return { type, title, width: size[0], height: size[1], datasource: lokiDatasource, queries, ...extra };
}

const gridColumns = 24;

/**
 * Places panels left to right, starting a new row when the next one does not fit in 24 columns, so no
 * two panels overlap; each row is as tall as its tallest panel.
 */
export function layOut(specs: readonly PanelSpec[]): GrafanaPanel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index) => {
    if (spec.width < 1 || spec.width > gridColumns) {
      throw new Error(
        `panel "${spec.title}": width ${spec.width} — a panel is 1 to ${gridColumns} columns wide`,
      );
    }
    if (x + spec.width > gridColumns) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: spec.width, h: spec.height };
    x += spec.width;
    rowHeight = Math.max(rowHeight, spec.height);
    return {
      id: index + 1,
      type: spec.type,
      title: spec.title,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      gridPos,
      datasource: spec.datasource,
      targets: spec.queries.map((query, queryIndex) => ({
        refId: String.fromCharCode(65 + queryIndex),
        datasource: spec.datasource,
        ...query,
      })),
      fieldConfig: { defaults: spec.unit === undefined ? {} : { unit: spec.unit }, overrides: [] },
      ...(spec.options === undefined ? {} : { options: spec.options }),
      ...(spec.transformations === undefined ? {} : { transformations: spec.transformations }),
    };
  });
}

/** A dashboard of the platform: tagged, refreshed every minute, showing the last six hours by default. */
export function dashboard(
  uid: string,
  title: string,
  description: string,
  variables: readonly GrafanaQueryVariable[],
  panels: readonly PanelSpec[],
): GrafanaDashboard {
  return {
    uid,
    title,
    description,
    tags: [dashboardTag],
    schemaVersion: grafanaSchemaVersion,
    // Provisioned from files: edits in the UI would be lost on the next provisioning.
    editable: false,
    graphTooltip: 1,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    timezone: "browser",
    templating: { list: variables },
    panels: layOut(panels),
  };
}

// The console's map (地图): the layers the user may read, drawn from the
// platform's vector tiles. The page carries the vendored MapLibre GL JS's
// hashed URLs; labels in Chinese are drawn locally (no glyph server).
const el = document.getElementById("map");
const list = document.getElementById("map-layers");
const info = document.getElementById("map-info");
const colors = { division: "#1f6feb", grid: "#8250df", address: "#bf8700", poi: "#cf222e" };

function say(msg) {
  list.replaceChildren();
  const li = document.createElement("li");
  li.className = "muted";
  li.textContent = msg;
  list.append(li);
}

function styleLayers(c, color) {
  const src = "l-" + c.id;
  if (c.govshare.kind === "polygon") {
    const out = [
      { id: c.id + "-fill", type: "fill", source: src, "source-layer": c.id, paint: { "fill-color": color, "fill-opacity": c.id === "division" ? 0.06 : 0.04 } },
      { id: c.id + "-line", type: "line", source: src, "source-layer": c.id, paint: { "line-color": color, "line-width": c.id === "division" ? 2 : 0.8 } },
    ];
    if (c.id === "division") {
      out.push({ id: c.id + "-label", type: "symbol", source: src, "source-layer": c.id,
        filter: ["all", ["==", ["geometry-type"], "Point"], ["==", ["get", "level"], "3"]],
        layout: { "text-field": ["get", "name"], "text-size": 14, "text-font": ["sans-serif"] }, paint: { "text-color": "#0a3069", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
    }
    return out;
  }
  const out = [{ id: c.id + "-circle", type: "circle", source: src, "source-layer": c.id,
    paint: { "circle-color": color, "circle-radius": c.id === "poi" ? 4 : 2.5, "circle-stroke-color": "#fff", "circle-stroke-width": 0.5 } }];
  if (c.id === "poi") {
    out.push({ id: c.id + "-label", type: "symbol", source: src, "source-layer": c.id, minzoom: 13,
      layout: { "text-field": ["get", "category"], "text-size": 12, "text-offset": [0, 1.1], "text-font": ["sans-serif"] },
      paint: { "text-color": "#82071e", "text-halo-color": "#fff", "text-halo-width": 1 } });
  }
  return out;
}

function showFeature(f) {
  const dl = document.createElement("dl");
  for (const [k, v] of Object.entries(f.properties)) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    dl.append(dt, dd);
  }
  info.replaceChildren(dl);
}

async function main() {
  const lang = el.dataset.lang || "zh-CN";
  const res = await fetch("/geo/collections", { headers: { "Accept-Language": lang }, credentials: "same-origin" });
  if (!res.ok) {
    say(el.dataset.failed);
    return;
  }
  const body = await res.json();
  const readable = body.collections.filter((c) => c.govshare.readable);
  list.replaceChildren();
  for (const c of body.collections) {
    const li = document.createElement("li");
    li.id = "map-layer-" + c.id;
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colors[c.id] || "#57606a";
    li.append(sw, c.title + (c.govshare.readable ? " · " + c.govshare.features + " " + el.dataset.features : " · " + el.dataset.denied));
    if (!c.govshare.readable) li.className = "muted";
    list.append(li);
  }
  if (readable.length === 0) {
    say(el.dataset.none);
    return;
  }
  const maplibregl = await import(el.dataset.lib);
  maplibregl.setWorkerUrl(new URL(el.dataset.worker, location.href).href);
  const style = { version: 8, glyphs: location.origin + "/geo/glyphs/{fontstack}/{range}.pbf", sources: {}, layers: [
    { id: "background", type: "background", paint: { "background-color": "#f6f8fa" } }] };
  for (const c of readable) {
    style.sources["l-" + c.id] = { type: "vector", tiles: [location.origin + "/geo/tiles/" + c.id + "/{z}/{x}/{y}.mvt"], minzoom: 0, maxzoom: 16 };
    style.layers.push(...styleLayers(c, colors[c.id] || "#57606a"));
  }
  let bounds = null;
  for (const c of readable) {
    const e = c.extent && c.extent.spatial && c.extent.spatial.bbox[0];
    if (!e) continue;
    bounds = bounds ? [Math.min(bounds[0], e[0]), Math.min(bounds[1], e[1]), Math.max(bounds[2], e[2]), Math.max(bounds[3], e[3])] : e.slice();
  }
  const map = new maplibregl.Map({ container: el, style, bounds: bounds || [112.95, 26.05, 114.05, 27.95], fitBoundsOptions: { padding: 20 },
    localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif", attributionControl: false });
  map.addControl(new maplibregl.NavigationControl(), "top-left");
  window.govshareMap = map;
  let tiles = 0;
  map.on("sourcedata", (e) => {
    if (e.tile && e.isSourceLoaded !== undefined) tiles++;
    el.dataset.tiles = String(tiles);
  });
  map.on("idle", () => { el.dataset.idle = "1"; });
  map.on("click", (e) => {
    const fs = map.queryRenderedFeatures(e.point);
    if (fs.length > 0) showFeature(fs[0]);
  });
}

main().catch((err) => {
  say(el.dataset.failed + " " + err);
  el.dataset.error = String(err);
});

package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/org"
)

// sessionCookie is the console's session cookie (internal/web): the
// console's map reads the tiles with it.
const sessionCookie = "gs_session"

// registerGeo serves the geospatial layers as OGC API – Features under
// /geo/collections and as Mapbox vector tiles under /geo/tiles, to callers
// authenticated by a bearer token or the console's session, and the
// geocoding and raster registry under /api/v1/geo.
func (s *Server) registerGeo(r chi.Router) {
	r.Route("/geo", func(r chi.Router) {
		r.Get("/", s.geo(s.geoLanding))
		r.Get("/conformance", s.geo(s.geoConformance))
		r.Get("/collections", s.geo(s.geoCollections))
		r.Get("/collections/{id}", s.geo(s.geoCollection))
		r.Get("/collections/{id}/items", s.geo(s.geoItems))
		r.Get("/collections/{id}/items/{fid}", s.geo(s.geoFeature))
		r.Get("/tiles/{layer}/{z}/{x}/{y}.mvt", s.geo(s.geoTile))
	})

	a := s.api
	const tag = "geo"
	type geocodeIn struct{ Body geo.GeocodeInput }
	type geocodeOut struct{ Body geo.Geocoded }
	o := op(http.MethodPost, "/api/v1/geo/geocode", "geocode", tag,
		"Where an address (a standard address, else the finest division its text names) or a point lies: division code and grid code (网格), from the layers the caller may read; audited", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *geocodeIn) (*geocodeOut, error) {
		g, err := s.Geo.GeocodeFor(ctx, principal(ctx), in.Body)
		return &geocodeOut{g}, err
	}))
	type rastersOut struct{ Body []geo.Raster }
	huma.Register(a, op(http.MethodGet, "/api/v1/geo/rasters", "list-rasters", tag,
		"Large rasters and imagery registered as file resources: their metadata (the files stay with their departments and are never loaded)", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*rastersOut, error) {
			l, err := s.Geo.Rasters(ctx, principal(ctx))
			return &rastersOut{l}, err
		}))
	type rasterOut struct{ Body geo.Raster }
	o = op(http.MethodGet, "/api/v1/geo/rasters/{id}", "get-raster", tag, "One registered raster's metadata", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID int64 `path:"id" minimum:"1"`
	}) (*rasterOut, error) {
		r, err := s.Geo.Raster(ctx, principal(ctx), in.ID)
		return &rasterOut{r}, err
	}))
	type registerIn struct{ Body geo.RasterInput }
	o = op(http.MethodPost, "/api/v1/geo/rasters", "register-raster", tag,
		"Register a raster or image of the caller's department by its metadata (a cataloger); the platform records where it lies and never opens it", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *registerIn) (*rasterOut, error) {
		r, err := s.Geo.RegisterRaster(ctx, principal(ctx), in.Body)
		return &rasterOut{r}, err
	}))
}

type geoHandler func(w http.ResponseWriter, r *http.Request, p org.Principal) error

// geo authenticates a /geo request by its bearer token or console session
// (anonymous callers get 401, audited) and writes its error as JSON.
func (s *Server) geo(h geoHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddr(r.RemoteAddr)
		ctx := context.WithValue(r.Context(), langKey{}, errs.Lang(r.Header.Get("Accept-Language"), "en"))
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			if c, err := r.Cookie(sessionCookie); err == nil {
				tok, ok = c.Value, true
			}
		}
		var p org.Principal
		var err error = org.ErrMissingToken
		if ok {
			p, err = s.Org.Authenticate(ctx, strings.TrimSpace(tok), addr)
		}
		if err == nil {
			err = h(w, r.WithContext(ctx), p)
		} else if errs.Is(err, errs.Unauthorized) {
			s.Audit.Record(ctx, audit.Entry{Actor: "anonymous", Action: "auth.check", Target: r.Method + " " + r.URL.Path,
				Outcome: audit.Denied, ClientAddr: addr, Detail: org.DenialDetail(err)})
		}
		if err != nil {
			body := s.errorBody(ctx, err)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(body.status)
			json.NewEncoder(w).Encode(body)
		}
	}
}

// geoLink is an OGC API link.
type geoLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func writeGeoJSON(w http.ResponseWriter, ctype string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-cache")
	_, err = w.Write(b)
	return err
}

func (s *Server) geoLanding(w http.ResponseWriter, r *http.Request, _ org.Principal) error {
	return writeGeoJSON(w, "application/json", map[string]any{
		"title":       "govshare 地理空间 (OGC API – Features)",
		"description": "Layers of the platform's departments: division boundaries, grids, standard addresses and points of interest, read under grants.",
		"links": []geoLink{{"/geo/", "self", "application/json", ""}, {"/geo/conformance", "conformance", "application/json", ""},
			{"/geo/collections", "data", "application/json", ""}, {"/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1", ""}},
	})
}

var geoConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

func (s *Server) geoConformance(w http.ResponseWriter, r *http.Request, _ org.Principal) error {
	return writeGeoJSON(w, "application/json", map[string]any{"conformsTo": geoConformance})
}

// geoCollectionView is a collection as OGC API – Features describes it.
type geoCollectionView struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Extent      any       `json:"extent,omitempty"`
	ItemType    string    `json:"itemType"`
	CRS         []string  `json:"crs"`
	Links       []geoLink `json:"links"`
	// The platform's own members.
	Layer geo.Collection `json:"govshare"`
}

func collectionView(c geo.Collection, lang string) geoCollectionView {
	title := c.NameEN
	if strings.HasPrefix(lang, "zh") {
		title = c.NameZH
	}
	v := geoCollectionView{ID: c.ID, Title: title, Description: c.NameZH + " / " + c.NameEN, ItemType: "feature",
		CRS: []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84"}, Layer: c,
		Links: []geoLink{{"/geo/collections/" + c.ID, "self", "application/json", ""},
			{"/geo/collections/" + c.ID + "/items", "items", "application/geo+json", title},
			{"/geo/tiles/" + c.ID + "/{z}/{x}/{y}.mvt", "tiles", "application/vnd.mapbox-vector-tile", title}}}
	if c.Extent != nil {
		v.Extent = map[string]any{"spatial": map[string]any{"bbox": [][4]float64{*c.Extent}, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
	}
	return v
}

func (s *Server) geoCollections(w http.ResponseWriter, r *http.Request, p org.Principal) error {
	lang := requestLang(r.Context())
	cs, err := s.Geo.Collections(r.Context(), p, lang)
	if err != nil {
		return err
	}
	out := struct {
		Links       []geoLink           `json:"links"`
		Collections []geoCollectionView `json:"collections"`
	}{Links: []geoLink{{"/geo/collections", "self", "application/json", ""}}, Collections: []geoCollectionView{}}
	for _, c := range cs {
		out.Collections = append(out.Collections, collectionView(c, lang))
	}
	return writeGeoJSON(w, "application/json", out)
}

func (s *Server) geoCollection(w http.ResponseWriter, r *http.Request, p org.Principal) error {
	lang := requestLang(r.Context())
	c, err := s.Geo.Collection(r.Context(), p, chi.URLParam(r, "id"), lang)
	if err != nil {
		return err
	}
	return writeGeoJSON(w, "application/json", collectionView(c, lang))
}

func geoFeature(f geo.Feature) *geojson.Feature {
	g := geojson.NewFeature(f.Geom)
	g.ID = f.ID
	for k, v := range f.Props {
		g.Properties[k] = v
	}
	if f.Name != "" {
		g.Properties["name"] = f.Name
	}
	return g
}

func (s *Server) geoItems(w http.ResponseWriter, r *http.Request, p org.Principal) error {
	id := chi.URLParam(r, "id")
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "bbox", "limit", "offset", "f":
		default:
			return errs.FieldMsg(k, msgGeoParam, k)
		}
	}
	bbox, err := geo.ParseBBox(q.Get("bbox"))
	if err != nil {
		return err
	}
	limit, err := geo.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	offset, err := geo.ParseOffset(q.Get("offset"))
	if err != nil {
		return err
	}
	pg, err := s.Geo.Items(r.Context(), p, id, geo.Query{BBox: bbox, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	link := func(off int) string {
		v := url.Values{}
		if bbox != nil {
			v.Set("bbox", q.Get("bbox"))
		}
		v.Set("limit", strconv.Itoa(limit))
		v.Set("offset", strconv.Itoa(off))
		return "/geo/collections/" + url.PathEscape(id) + "/items?" + v.Encode()
	}
	out := struct {
		Type           string             `json:"type"`
		Features       []*geojson.Feature `json:"features"`
		NumberMatched  *int64             `json:"numberMatched,omitempty"`
		NumberReturned int                `json:"numberReturned"`
		TimeStamp      string             `json:"timeStamp"`
		Links          []geoLink          `json:"links"`
	}{Type: "FeatureCollection", Features: make([]*geojson.Feature, 0, len(pg.Features)), NumberReturned: len(pg.Features),
		TimeStamp: time.Now().UTC().Format(time.RFC3339)}
	for _, f := range pg.Features {
		out.Features = append(out.Features, geoFeature(f))
	}
	if pg.Matched >= 0 {
		out.NumberMatched = &pg.Matched
	}
	out.Links = []geoLink{{link(offset), "self", "application/geo+json", ""}, {"/geo/collections/" + url.PathEscape(id), "collection", "application/json", ""}}
	more := len(pg.Features) == limit && (pg.Matched < 0 || int64(offset+limit) < pg.Matched)
	if more && offset+limit <= geo.MaxOffset {
		out.Links = append(out.Links, geoLink{link(offset + limit), "next", "application/geo+json", ""})
	}
	if offset > 0 {
		out.Links = append(out.Links, geoLink{link(max(0, offset-limit)), "prev", "application/geo+json", ""})
	}
	return writeGeoJSON(w, "application/geo+json", out)
}

func (s *Server) geoFeature(w http.ResponseWriter, r *http.Request, p org.Principal) error {
	id, fid := chi.URLParam(r, "id"), chi.URLParam(r, "fid")
	f, err := s.Geo.Feature(r.Context(), p, id, fid)
	if err != nil {
		return err
	}
	g := geoFeature(f)
	b, err := g.MarshalJSON()
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	m["links"] = []geoLink{{"/geo/collections/" + url.PathEscape(id) + "/items/" + url.PathEscape(fid), "self", "application/geo+json", ""},
		{"/geo/collections/" + url.PathEscape(id), "collection", "application/json", ""}}
	return writeGeoJSON(w, "application/geo+json", m)
}

// tileMaxAge is how long a browser may keep a tile: short, as grants may
// be revoked; "private" keeps shared caches from storing tiles read under
// a grant.
const tileMaxAge = 60

func (s *Server) geoTile(w http.ResponseWriter, r *http.Request, p org.Principal) error {
	var zxy [3]int
	for i, k := range []string{"z", "x", "y"} {
		n, err := strconv.Atoi(chi.URLParam(r, k))
		if err != nil || len(chi.URLParam(r, k)) > 8 {
			return errs.FieldMsg(k, msgGeoTileNumber, k)
		}
		zxy[i] = n
	}
	tile, err := s.Geo.Tile(r.Context(), p, chi.URLParam(r, "layer"), zxy[0], zxy[1], zxy[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256(tile)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(tileMaxAge))
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding, Cookie, Authorization")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(tile)
		if err := zw.Close(); err != nil {
			return err
		}
		h.Set("Content-Encoding", "gzip")
		tile = buf.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(tile)))
	_, err = w.Write(tile)
	return err
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.TrimSpace(params)
			return q == "" || (q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000")
		}
	}
	return false
}

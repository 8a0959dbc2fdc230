package geo

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// RasterInput registers a large raster or image (影像、高程等) as a file
// resource: its metadata only. The platform never reads, opens or fetches
// Location; it is where the providing department keeps the file.
type RasterInput struct {
	Name        string  `json:"name" maxLength:"100"`
	Kind        string  `json:"kind" enum:"dom,dem,satellite,aerial,other" doc:"dom 正射影像, dem 数字高程模型, satellite 卫星影像, aerial 航空影像, other"`
	Format      string  `json:"format" doc:"GeoTIFF, COG, JPEG2000, IMG or ECW"`
	CRS         string  `json:"crs" maxLength:"40" doc:"Coordinate reference system, e.g. EPSG:4490 (CGCS2000)"`
	ResolutionM float64 `json:"resolution_m" doc:"Ground resolution in metres"`
	Bands       int     `json:"bands" minimum:"1" maximum:"1000"`
	SizeBytes   int64   `json:"size_bytes" minimum:"1"`
	SHA256      string  `json:"sha256" doc:"The file's SHA-256, 64 hexadecimal digits"`
	Location    string  `json:"location" maxLength:"500" doc:"Where the department keeps the file (an object-store key or archive path); never opened by the platform"`
	EntryCode   string  `json:"entry_code,omitempty" maxLength:"64" doc:"The catalog entry it is shared as"`
	BBox        Bound   `json:"bbox" doc:"[minLon, minLat, maxLon, maxLat]"`
	AcquiredOn  string  `json:"acquired_on,omitempty" doc:"YYYY-MM-DD"`
}

// Raster is a registered raster.
type Raster struct {
	RasterInput
	ID           int64     `json:"id"`
	DepartmentID int64     `json:"department_id"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// RasterFormats are the formats a raster may be registered in.
var RasterFormats = []string{"GeoTIFF", "COG", "JPEG2000", "IMG", "ECW"}

var rasterKinds = []string{"dom", "dem", "satellite", "aerial", "other"}

func (in *RasterInput) check() error {
	f := errs.Fields{}
	in.Name, in.CRS, in.Location = strings.TrimSpace(in.Name), strings.TrimSpace(in.CRS), strings.TrimSpace(in.Location)
	for field, v := range map[string]string{"name": in.Name, "crs": in.CRS, "location": in.Location} {
		if v == "" {
			f.AddMsg(field, msgRasterField)
		}
	}
	for field, l := range map[string]struct {
		v string
		n int
	}{"name": {in.Name, 100}, "crs": {in.CRS, 40}, "location": {in.Location, 500}, "entry_code": {in.EntryCode, 64}} {
		if utf8.RuneCountInString(l.v) > l.n || !utf8.ValidString(l.v) {
			f.AddMsg(field, msgRasterTooLong, l.n)
		}
	}
	if !slices.Contains(rasterKinds, in.Kind) {
		f.AddMsg("kind", msgRasterFormat, strings.Join(rasterKinds, ", "))
	}
	if !slices.Contains(RasterFormats, in.Format) {
		f.AddMsg("format", msgRasterFormat, strings.Join(RasterFormats, ", "))
	}
	if !(in.ResolutionM > 0 && in.ResolutionM < 1e6) {
		f.AddMsg("resolution_m", msgRasterNumber)
	}
	if in.Bands < 1 || in.Bands > 1000 {
		f.AddMsg("bands", msgRasterNumber)
	}
	if in.SizeBytes < 1 {
		f.AddMsg("size_bytes", msgRasterNumber)
	}
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		f.AddMsg("sha256", msgRasterSHA)
	}
	in.SHA256 = strings.ToLower(in.SHA256)
	b := in.BBox
	if !(b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90 && b[0] < b[2] && b[1] < b[3]) {
		f.AddMsg("bbox", msgRasterBBox)
	}
	if in.AcquiredOn != "" {
		if _, err := time.Parse(time.DateOnly, in.AcquiredOn); err != nil {
			f.AddMsg("acquired_on", msgRasterField)
		}
	}
	return f.Err()
}

// RegisterRaster records a raster of p's department (a cataloger's step).
func (s *Service) RegisterRaster(ctx context.Context, p org.Principal, in RasterInput) (Raster, error) {
	if p.DepartmentID == 0 || !p.Can(org.EditCatalog) {
		return Raster{}, errs.New(errs.Forbidden, msgManageDenied)
	}
	if err := in.check(); err != nil {
		return Raster{}, err
	}
	r := Raster{RasterInput: in, DepartmentID: p.DepartmentID, CreatedBy: p.Username, CreatedAt: s.now().UTC().Truncate(time.Second)}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO geo_rasters (name, kind, format, crs, resolution_m, bands, size_bytes, sha256, location, entry_code,
			department_id, minx, miny, maxx, maxy, acquired_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, in.Kind, in.Format, in.CRS, in.ResolutionM, in.Bands, in.SizeBytes, in.SHA256, in.Location, in.EntryCode,
			p.DepartmentID, in.BBox[0], in.BBox[1], in.BBox[2], in.BBox[3], in.AcquiredOn, p.Username, store.FormatTime(r.CreatedAt)).Scan(&r.ID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Action: "geo.raster.register",
			Target: fmt.Sprintf("geo-raster:%d", r.ID), Outcome: audit.Success, ClientAddr: p.ClientAddr, Detail: audit.Keyed(auditRaster, in.Name, in.Format, in.SizeBytes)})
	})
	if err != nil {
		return Raster{}, fmt.Errorf("register raster: %w", err)
	}
	return r, nil
}

const rasterCols = `id, name, kind, format, crs, resolution_m, bands, size_bytes, sha256, location, entry_code, department_id, minx, miny, maxx, maxy, acquired_on, created_by, created_at`

func scanRaster(row interface{ Scan(...any) error }) (Raster, error) {
	var r Raster
	var at string
	if err := row.Scan(&r.ID, &r.Name, &r.Kind, &r.Format, &r.CRS, &r.ResolutionM, &r.Bands, &r.SizeBytes, &r.SHA256, &r.Location, &r.EntryCode,
		&r.DepartmentID, &r.BBox[0], &r.BBox[1], &r.BBox[2], &r.BBox[3], &r.AcquiredOn, &r.CreatedBy, &at); err != nil {
		return r, err
	}
	r.CreatedAt, _ = store.ParseTime(at)
	return r, nil
}

// Rasters lists the registered rasters' metadata, newest first, for the
// staff of any department (metadata, as the catalog is; the files stay
// with their departments).
func (s *Service) Rasters(ctx context.Context, p org.Principal) ([]Raster, error) {
	if !staff(p) {
		return nil, errs.New(errs.Forbidden, msgNoDepartment)
	}
	rows, err := s.db.Query(ctx, `SELECT `+rasterCols+` FROM geo_rasters ORDER BY id DESC LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Raster{}
	for rows.Next() {
		r, err := scanRaster(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Raster answers one registered raster's metadata.
func (s *Service) Raster(ctx context.Context, p org.Principal, id int64) (Raster, error) {
	if !staff(p) {
		return Raster{}, errs.New(errs.Forbidden, msgNoDepartment)
	}
	r, err := scanRaster(s.db.QueryRow(ctx, `SELECT `+rasterCols+` FROM geo_rasters WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, msgNoRaster, id)
	}
	return r, err
}

package org

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// Region is an administrative division (行政区划) the platform serves.
type Region struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code,omitempty"`
	Level      int    `json:"level"`
}

// RegionInput creates a region; Name defaults to the division table's name.
type RegionInput struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// Regions lists all regions ordered by code, parents before children.
func (s *Service) Regions(ctx context.Context) ([]Region, error) {
	rows, err := s.db.Query(ctx, "SELECT code, name, COALESCE(parent_code, ''), level FROM regions ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Code, &r.Name, &r.ParentCode, &r.Level); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Region returns the region with the given code.
func (s *Service) Region(ctx context.Context, code string) (Region, error) {
	var r Region
	err := s.db.QueryRow(ctx, "SELECT code, name, COALESCE(parent_code, ''), level FROM regions WHERE code = ?", code).
		Scan(&r.Code, &r.Name, &r.ParentCode, &r.Level)
	if err != nil {
		return r, notFound(err, msgRegionNotFound, code)
	}
	return r, nil
}

// CreateRegion adds a region known to the division table. The first region
// is the platform's root (a city, say); every later one needs its parent.
func (s *Service) CreateRegion(ctx context.Context, p Principal, in RegionInput) (Region, error) {
	target := "region:" + in.Code
	if err := s.require(ctx, p, ManageRegions, "region.create", target); err != nil {
		return Region{}, err
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	d, ok := s.divisions.Lookup(in.Code)
	if !ok {
		return Region{}, errs.FieldMsg("code", msgNotDivision, in.Code, s.divisions.Version())
	}
	r := Region{Code: d.Code, Name: d.Name, Level: d.Level}
	if in.Name != "" {
		if len([]rune(in.Name)) > 50 {
			return Region{}, errs.FieldMsg("name", msgRegionName)
		}
		r.Name = in.Name
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var parent sql.NullString
		var exists, parents, all int
		if err := tx.QueryRow(ctx, "SELECT count(*) FILTER (WHERE code = ?), count(*) FILTER (WHERE code = ?), count(*) FROM regions", d.Code, d.Parent).
			Scan(&exists, &parents, &all); err != nil {
			return err
		}
		switch {
		case exists > 0:
			return errs.New(errs.Conflict, msgRegionExists, r.Code)
		case parents > 0:
			parent = sql.NullString{String: d.Parent, Valid: true}
			r.ParentCode = d.Parent
		case all > 0:
			return errs.FieldMsg("code", msgRegionParent, d.Parent)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO regions (code, name, parent_code, level, created_at) VALUES (?, ?, ?, ?, ?)",
			r.Code, r.Name, parent, r.Level, s.nowText()); err != nil {
			if store.IsUnique(err) {
				return errs.New(errs.Conflict, msgRegionExists, r.Code)
			}
			return fmt.Errorf("insert region: %w", err)
		}
		return s.record(ctx, tx, p, "region.create", target, audit.Success, audit.Keyed(auditRegion, r.Code, r.Name))
	})
	return r, err
}

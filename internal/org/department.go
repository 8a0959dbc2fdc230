package org

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/store"
)

// Department kinds.
const (
	KindAuthority  = "authority"  // 数据主管部门: the data authority
	KindDepartment = "department" // 政府部门
	KindEnterprise = "enterprise" // 公共企事业单位, e.g. the power supply company
)

// Department is a government body or public enterprise on the platform (部门).
type Department struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	ShortName          string `json:"short_name,omitempty"`
	CreditCode         string `json:"credit_code"`
	CreditCodeOverride bool   `json:"credit_code_override,omitempty"`
	RegionCode         string `json:"region_code"`
	RegionName         string `json:"region_name,omitempty"`
	Kind               string `json:"kind"`
	Contact            string `json:"contact,omitempty"`
	Phone              string `json:"phone,omitempty"`
	Users              int    `json:"users"`
}

// DepartmentInput creates a department. CreditCodeOverride accepts a credit
// code whose check character fails (early pilot codes exist), with a warning.
type DepartmentInput struct {
	Name               string `json:"name"`
	ShortName          string `json:"short_name,omitempty"`
	CreditCode         string `json:"credit_code"`
	CreditCodeOverride bool   `json:"credit_code_override,omitempty"`
	RegionCode         string `json:"region_code"`
	Kind               string `json:"kind,omitempty"`
	Contact            string `json:"contact,omitempty"`
	Phone              string `json:"phone,omitempty"`
}

// Validate checks the input and returns warnings that do not stop it.
func (in *DepartmentInput) Validate() (warnings []string, err error) {
	in.Name, in.ShortName = strings.TrimSpace(in.Name), strings.TrimSpace(in.ShortName)
	in.CreditCode, in.RegionCode = strings.ToUpper(strings.TrimSpace(in.CreditCode)), strings.TrimSpace(in.RegionCode)
	if in.Kind == "" {
		in.Kind = KindDepartment
	}
	f := errs.Fields{}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f.AddMsg("name", msgDeptName)
	case n > 100:
		f.AddMsg("name", msgDeptName100)
	}
	if utf8.RuneCountInString(in.ShortName) > 30 {
		f.AddMsg("short_name", msgDeptShort30)
	}
	if err := quality.CheckCreditCode(in.CreditCode); err != nil {
		switch {
		case errors.Is(err, quality.ErrCheckCharacter) && in.CreditCodeOverride:
			warnings = append(warnings, "credit_code: "+err.Error()+"; accepted by override")
		case errors.Is(err, quality.ErrCheckCharacter):
			f.AddMsg("credit_code", msgCreditOverride, quality.TextOf(err))
		default:
			f.AddText("credit_code", quality.TextOf(err))
		}
	}
	if in.RegionCode == "" {
		f.AddMsg("region_code", msgRegionRequired)
	}
	switch in.Kind {
	case KindAuthority, KindDepartment, KindEnterprise:
	default:
		f.AddMsg("kind", msgDeptKind, KindAuthority, KindDepartment, KindEnterprise)
	}
	if utf8.RuneCountInString(in.Contact) > 50 || len(in.Phone) > 30 {
		f.AddMsg("contact", msgDeptContact)
	}
	return warnings, f.Err()
}

// SortKey returns a key that orders Chinese names by pinyin when compared as text.
func SortKey(name string) string {
	c := collate.New(language.Chinese)
	var buf collate.Buffer
	return hex.EncodeToString(c.KeyFromString(&buf, name))
}

// CreateDepartment registers a department.
func (s *Service) CreateDepartment(ctx context.Context, p Principal, in DepartmentInput) (Department, []string, error) {
	target := "department:" + in.Name
	if err := s.require(ctx, p, ManageDepartments, "department.create", target); err != nil {
		return Department{}, nil, err
	}
	warnings, err := in.Validate()
	if err != nil {
		return Department{}, nil, err
	}
	var d Department
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var regionName string
		if err := tx.QueryRow(ctx, "SELECT name FROM regions WHERE code = ?", in.RegionCode).Scan(&regionName); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.FieldMsg("region_code", msgDeptNoRegion, in.RegionCode)
			}
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO departments (name, name_key, short_name, credit_code, credit_code_override, region_code, kind, contact, phone, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, SortKey(in.Name), in.ShortName, in.CreditCode, len(warnings) > 0, in.RegionCode, in.Kind, in.Contact, in.Phone, s.nowText()).Scan(&id)
		if err != nil {
			if store.IsUnique(err) {
				return errs.New(errs.Conflict, msgDeptExists)
			}
			return fmt.Errorf("insert department: %w", err)
		}
		d = Department{ID: id, Name: in.Name, ShortName: in.ShortName, CreditCode: in.CreditCode, CreditCodeOverride: len(warnings) > 0,
			RegionCode: in.RegionCode, RegionName: regionName, Kind: in.Kind, Contact: in.Contact, Phone: in.Phone}
		return s.record(ctx, tx, p, "department.create", fmt.Sprintf("department:%d", id), audit.Success,
			departmentDetail(in, len(warnings) > 0))
	})
	return d, warnings, err
}

// DepartmentFilter selects departments.
type DepartmentFilter struct {
	Q          string
	RegionCode string
	Kind       string
	Page       int
	PageSize   int
}

const selectDepartment = `SELECT d.id, d.name, d.short_name, d.credit_code, d.credit_code_override, d.region_code, r.name, d.kind, d.contact, d.phone,
	(SELECT count(*) FROM users u WHERE u.department_id = d.id)
	FROM departments d JOIN regions r ON r.code = d.region_code`

func scanDepartment(sc interface{ Scan(...any) error }) (Department, error) {
	var d Department
	err := sc.Scan(&d.ID, &d.Name, &d.ShortName, &d.CreditCode, &d.CreditCodeOverride, &d.RegionCode, &d.RegionName, &d.Kind, &d.Contact, &d.Phone, &d.Users)
	return d, err
}

// Departments lists departments in pinyin order of their names.
func (s *Service) Departments(ctx context.Context, f DepartmentFilter) ([]Department, int, error) {
	var where []string
	var args []any
	if f.Q != "" {
		where = append(where, `(lower(d.name) LIKE lower(?) ESCAPE '\' OR lower(d.short_name) LIKE lower(?) ESCAPE '\' OR lower(d.credit_code) LIKE lower(?) ESCAPE '\')`)
		q := store.Like(f.Q)
		args = append(args, q, q, q)
	}
	if f.RegionCode != "" {
		where, args = append(where, "d.region_code = ?"), append(args, f.RegionCode)
	}
	if f.Kind != "" {
		where, args = append(where, "d.kind = ?"), append(args, f.Kind)
	}
	out, total, err := store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM departments d", Select: selectDepartment, Where: where, Args: args,
		Order: "d.name_key, d.id", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (Department, error) { return scanDepartment(r) })
	return out, total, err
}

// Department returns one department.
func (s *Service) Department(ctx context.Context, id int64) (Department, error) {
	d, err := scanDepartment(s.db.QueryRow(ctx, selectDepartment+" WHERE d.id = ?", id))
	if err != nil {
		return d, notFound(err, msgDeptNotFound, id)
	}
	return d, nil
}

// DepartmentByCreditCode returns the department with a unified social credit code.
func (s *Service) DepartmentByCreditCode(ctx context.Context, code string) (Department, error) {
	d, err := scanDepartment(s.db.QueryRow(ctx, selectDepartment+" WHERE d.credit_code = ?", strings.ToUpper(strings.TrimSpace(code))))
	if err != nil {
		return d, notFound(err, msgDeptCodeNotFound, code)
	}
	return d, nil
}

package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/org"
)

// People is the demo city's synthetic population: 1% of 株洲's 4.12 million.
const People = 41200

// Companies is the demo city's synthetic legal entities: 1% of 株洲's 677,000.
const Companies = 6770

// LoadPopulation builds the population base database (人口基础库) of
// people synthetic people from the four demo sources (公安 household
// register, 卫健 births and deaths, 民政 marriage and subsistence aid, 人社
// insurance), each bound to its demo department, with planted conflicts and
// errors so that disputes, quarantined rows and quality scores show at once;
// then merges it and scores its quality. It does nothing when the base
// database already holds records.
//
// The rows are staged directly, as the sources' aggregation mandates would
// deliver them; the demo has no such mandates (basedb.SourceInfo.MandateID 0).
func LoadPopulation(ctx context.Context, svc *basedb.Service, orgs *org.Service, people int, out io.Writer) error {
	start := time.Now()
	rows, _ := basedb.Synthetic(people, time.Now())
	run, err := loadBaseDB(ctx, svc, orgs, basedb.Population(), rows)
	if err != nil || run == nil {
		return err
	}
	fmt.Fprintf(out, "Population base database (人口基础库) built from 4 demo sources (synthetic people): %d records, %d disputes, in %s.\n",
		run.Records, run.Disputes, time.Since(start).Round(time.Millisecond))
	return nil
}

// LoadEntities builds the legal entity (法人基础库) and credit (信用基础库)
// base databases of companies synthetic companies from their demo sources
// (市场监管 register, credit risk, penalties and black list; 行政审批
// licences and red list), with planted conflicts (a name spelt otherwise, a
// company dissolved yet licensed, a company on both lists) and errors (wrong
// check characters, a future date). It does nothing for a base database
// that already holds records.
func LoadEntities(ctx context.Context, svc *basedb.Service, orgs *org.Service, companies int, out io.Writer) error {
	start := time.Now()
	now := time.Now()
	entities, _ := basedb.SyntheticEntities(companies, now)
	credit, _ := basedb.SyntheticCredit(companies, now)
	var records, disputes int64
	for _, x := range []struct {
		sc   basedb.Schema
		rows map[string][]basedb.Row
	}{{basedb.LegalEntities(), entities}, {basedb.Credit(), credit}} {
		run, err := loadBaseDB(ctx, svc, orgs, x.sc, x.rows)
		if err != nil {
			return err
		}
		if run != nil {
			records, disputes = records+run.Records, disputes+run.Disputes
		}
	}
	fmt.Fprintf(out, "Legal entity and credit base databases (法人库、信用库) built from 6 demo sources (synthetic companies): %d records, %d disputes, in %s.\n",
		records, disputes, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadBaseDB binds a schema's sources to their demo departments, stages
// rows and merges them: nil when the base database already holds records.
func loadBaseDB(ctx context.Context, svc *basedb.Service, orgs *org.Service, sc basedb.Schema, rows map[string][]basedb.Row) (*basedb.Run, error) {
	depts, _, err := orgs.Departments(ctx, org.DepartmentFilter{PageSize: 200})
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, d := range Departments {
		for _, x := range depts {
			if x.Name == d.Name {
				ids[d.Key] = x.ID
			}
		}
	}
	for _, src := range sc.Sources {
		if err := svc.Bind(ctx, sc.Name, src.ID, ids[src.Department], 0); err != nil {
			return nil, err
		}
	}
	if n, err := svc.Records(ctx, sc.Name); err != nil || n > 0 {
		return nil, err
	}
	for _, src := range sc.Sources {
		if _, err := svc.Stage(ctx, sc.Name, src.ID, rows[src.ID]); err != nil {
			return nil, err
		}
	}
	run, err := svc.Refresh(ctx, sc.Name)
	if err != nil {
		return nil, err
	}
	return &run, nil
}

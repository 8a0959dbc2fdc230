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
	sc := basedb.Population()
	depts, _, err := orgs.Departments(ctx, org.DepartmentFilter{PageSize: 200})
	if err != nil {
		return err
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
			return err
		}
	}
	if n, err := svc.Records(ctx, sc.Name); err != nil || n > 0 {
		return err
	}
	rows, _ := basedb.Synthetic(people, time.Now())
	for _, src := range sc.Sources {
		if _, err := svc.Stage(ctx, sc.Name, src.ID, rows[src.ID]); err != nil {
			return err
		}
	}
	run, err := svc.Refresh(ctx, sc.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Population base database (人口基础库) built from 4 demo sources (synthetic people): %d records, %d disputes, in %s.\n",
		run.Records, run.Disputes, time.Since(start).Round(time.Millisecond))
	return nil
}

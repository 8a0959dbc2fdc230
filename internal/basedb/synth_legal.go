package basedb

import (
	"fmt"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/quality"
)

// Synthetic companies (合成法人): made-up companies of the demo city, each
// generated from its index. Names carry 演示 (demo); codes are well formed
// unified social credit codes assigned to no one.

var (
	synthTrades   = []string{"商贸", "科技", "建材", "餐饮", "物流", "陶瓷", "服饰", "农业", "医药", "机械"}
	synthLicences = []string{"食品经营许可证", "卫生许可证", "道路运输经营许可证", "药品经营许可证", "建筑业企业资质证书", "排污许可证"}
	synthLists    = []string{"株洲市诚信示范企业", "湖南省守合同重信用企业", "纳税信用A级纳税人"}
)

// SynthCompany is one synthetic company.
type SynthCompany struct {
	Key, Name, Type, Established, Division, Address, LegalRep string
}

// Company answers synthetic company i (0 ≤ i < 90,000,000).
func Company(i int) SynthCompany {
	d := i % len(synthDivisions)
	body := fmt.Sprintf("%08d", 10000000+i)
	oc, _ := quality.OrgCodeCheckChar(body)
	first17 := "91" + synthDivisions[d] + body + string(oc)
	cc, _ := quality.CreditCodeCheckChar(first17)
	est := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37)%10500)
	return SynthCompany{
		Key: first17 + string(cc), Name: "株洲演示" + synthTrades[i%len(synthTrades)] + strconv.Itoa(i+1) + "号有限公司",
		Type: EntityTypes[i%len(EntityTypes)], Established: est.Format(time.DateOnly), Division: synthDivisions[d],
		Address: "湖南省株洲市" + synthDistricts[d] + "演示大道" + strconv.Itoa(i%900+1) + "号", LegalRep: Person(i * 13).Name,
	}
}

// Planted faults of the legal entity and credit sources, by index modulo 1000
// or as stated.
const (
	plantEntityBadKey = 11 // a wrong check character
	plantEntityFuture = 23 // established in the future
	plantNameDiff     = 5  // modulo 300: 行政审批 spells the name otherwise at the same business time
	plantClosed       = 3  // modulo 100: dissolved or revoked; modulo 200, still licensed
	plantRedBlack     = 9  // modulo 250: on the red and the black list
)

// SynthEntityCounts says what the synthetic legal entities and credit
// records plant, for tests.
type SynthEntityCounts struct{ BadRows, SameTime, ClosedLicensed, RedAndBlack int }

// SyntheticEntities answers the rows the legal entity sources deliver for n
// synthetic companies, as of now, with planted conflicts and errors.
func SyntheticEntities(n int, now time.Time) (map[string][]Row, SynthEntityCounts) {
	out := map[string][]Row{}
	var c SynthEntityCounts
	base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		co := Company(i)
		bt := base.Add(time.Duration(i%1200) * 24 * time.Hour)
		if i%10 == 0 {
			bt = now.Add(-time.Duration(i%20) * time.Hour)
		}
		key, est := co.Key, co.Established
		bad := false
		switch i % 1000 {
		case plantEntityBadKey:
			key = key[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(indexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", key[17])+1)%31])
			c.BadRows, bad = c.BadRows+1, true
		case plantEntityFuture:
			est = now.AddDate(1, 0, 0).Format(time.DateOnly)
			c.BadRows, bad = c.BadRows+1, true
		}
		status := EntityStatuses[i%2] // 存续 or 在业
		closed := i%100 == plantClosed
		if closed {
			status = Closed[(i/100)%2]
		}
		out[SrcRegister] = append(out[SrcRegister], Row{Key: key, RowKey: "DJ" + strconv.Itoa(i), Time: bt,
			Values: []string{co.Name, co.Type, est, strconv.Itoa(50 + (i*71)%5000), co.Address, co.Division, status, co.LegalRep}})
		// 行政审批: the licences of two in five, and of the closed ones half.
		if i%5 < 2 || i%300 == plantNameDiff || (closed && i%200 == plantClosed) {
			name, lt := co.Name, bt.AddDate(0, 0, -10)
			if i%300 == plantNameDiff {
				name, lt = "株洲演示"+synthTrades[i%len(synthTrades)]+strconv.Itoa(i+1)+"号公司", bt
				if !bad {
					c.SameTime++
				}
			}
			held := synthLicences[i%len(synthLicences)]
			if i%3 == 0 {
				held += "；" + synthLicences[(i+1)%len(synthLicences)]
			}
			if closed && i%200 == plantClosed && !bad {
				c.ClosedLicensed++
			}
			out[SrcLicences] = append(out[SrcLicences], Row{Key: co.Key, RowKey: "XK" + strconv.Itoa(i), Time: lt, Values: []string{name, held}})
		}
		// 市场监管: the credit risk class of most.
		if i%4 != 3 {
			out[SrcCreditRisk] = append(out[SrcCreditRisk], Row{Key: co.Key, RowKey: "PJ" + strconv.Itoa(i), Time: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
				Values: []string{RiskClasses[(i/4)%len(RiskClasses)]}})
		}
	}
	return out, c
}

// SyntheticCredit answers the rows the credit sources deliver for n
// synthetic companies, as of now: licences and penalties under 双公示 with
// their periods of publication, red and black lists, with planted
// conflicts (a company on both lists) and errors.
func SyntheticCredit(n int, now time.Time) (map[string][]Row, SynthEntityCounts) {
	out := map[string][]Row{}
	var c SynthEntityCounts
	for i := range n {
		co := Company(i)
		key := co.Key
		if i%1000 == plantEntityBadKey {
			key = key[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(indexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", key[17])+1)%31])
			c.BadRows++
		}
		if i%5 < 2 {
			lt := now.AddDate(0, 0, -(i%700)-1)
			out[SrcLicencePub] = append(out[SrcLicencePub], Row{Key: key, RowKey: "XKGS" + strconv.Itoa(i), Time: lt, ValidFrom: lt, ValidTo: lt.AddDate(5, 0, 0),
				Values: []string{co.Name, synthLicences[i%len(synthLicences)], fmt.Sprintf("株审许〔%d〕%d号", lt.Year(), 1000+i)}})
		}
		if i%7 == 0 {
			kind := PenaltyKinds[(i/7)%len(PenaltyKinds)]
			pt := now.AddDate(0, 0, -(i%1400)-1)
			y, m := PublicationPeriod(kind)
			out[SrcPenalty] = append(out[SrcPenalty], Row{Key: co.Key, RowKey: "CF" + strconv.Itoa(i), Time: pt, ValidFrom: pt, ValidTo: pt.AddDate(y, m, 0),
				Values: []string{co.Name, kind, "违反《演示条例》第" + strconv.Itoa(i%40+1) + "条", fmt.Sprintf("株市监处罚〔%d〕%d号", pt.Year(), 100+i)}})
		}
		both := i%250 == plantRedBlack
		if i%20 == 1 || both {
			rt := now.AddDate(0, -(i % 20), 0)
			out[SrcRedList] = append(out[SrcRedList], Row{Key: co.Key, RowKey: "HM" + strconv.Itoa(i), Time: rt, ValidFrom: rt, ValidTo: rt.AddDate(2, 0, 0),
				Values: []string{synthLists[i%len(synthLists)]}})
		}
		if i%50 == 9 || both {
			bt := now.AddDate(0, -(i % 30), 0)
			y, m := PublicationPeriod("black_list")
			out[SrcBlackList] = append(out[SrcBlackList], Row{Key: co.Key, RowKey: "HEI" + strconv.Itoa(i), Time: bt, ValidFrom: bt, ValidTo: bt.AddDate(y, m, 0),
				Values: []string{"严重违法失信名单", "被吊销营业执照后未办理注销登记（演示）"}})
			if both {
				c.RedAndBlack++
			}
		}
	}
	return out, c
}

package basedb

import (
	"fmt"
	"strconv"
	"time"
)

// Synthetic population (合成人口): made-up people of the demo city for the
// demo and the benchmark. Every person is generated from its index; names
// come from short lists, addresses lie on 演示路 (a street that does not
// exist), ID numbers are well formed but assigned to no one.

var (
	synthDivisions = []string{"430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"}
	synthDistricts = []string{"荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "攸县", "茶陵县", "炎陵县", "醴陵市"}
	synthSurnames  = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
	synthGiven     = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰")
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck answers the GB 11643 check character of 17 digits.
func idCheck(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// SynthPerson is one synthetic person.
type SynthPerson struct {
	Key, Name, Sex, Birth, Division, Address string
}

var synthEpoch = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)

// synthDay answers the birth day of person i, days after 1940-01-01:
// with i%1000 as the sequence number, (day, sequence) is distinct for
// distinct i below 29,000,000.
func synthDay(i int) int { return (i/1000 + (i%1000)*29) % 29000 }

// Person answers synthetic person i (0 ≤ i < 29,000,000): distinct
// indexes give distinct ID numbers.
func Person(i int) SynthPerson {
	d := i % len(synthDivisions)
	birth := synthEpoch.AddDate(0, 0, synthDay(i))
	seq := i % 1000
	first17 := synthDivisions[d] + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
	sex := "女"
	if seq%2 == 1 {
		sex = "男"
	}
	name := string(synthSurnames[i%len(synthSurnames)]) + string(synthGiven[(i/7)%len(synthGiven)])
	if i%3 == 0 {
		name += string(synthGiven[(i/11)%len(synthGiven)])
	}
	return SynthPerson{
		Key: first17 + string(idCheck(first17)), Name: name, Sex: sex, Birth: birth.Format(time.DateOnly),
		Division: synthDivisions[d], Address: "湖南省株洲市" + synthDistricts[d] + "演示路" + strconv.Itoa(i%2000+1) + "号",
	}
}

// Planted faults, by index modulo 1000 (the household register) or as stated.
const (
	plantBadKey    = 13 // a wrong check character
	plantFuture    = 37 // a birth date in the future
	plantDivision  = 59 // a division code not in force
	plantBirthDiff = 1  // modulo 500: 卫健 gives another birth date at the same business time
	plantMarital   = 2  // modulo 400: 民政 and 公安 differ on marital status at the same business time
	plantDeath     = 7  // modulo 100: died; modulo 200, still paid insurance after death
)

// SynthCounts says what a synthetic population plants, for tests.
type SynthCounts struct{ BadRows, SameTime, DeathPaid int }

// Synthetic answers the rows the four population sources deliver for n
// synthetic people, as of now, with planted conflicts and errors.
func Synthetic(n int, now time.Time) (map[string][]Row, SynthCounts) {
	return SyntheticRange(0, n, now)
}

// SyntheticRange answers the rows of synthetic people from to to-1, so
// that a large population is made and staged a slice at a time.
func SyntheticRange(from, to int, now time.Time) (map[string][]Row, SynthCounts) {
	out := map[string][]Row{}
	var c SynthCounts
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		p := Person(i)
		bt := base.Add(time.Duration(i%1500) * 24 * time.Hour)
		if i%10 == 0 { // a tenth changed recently: timely
			bt = now.Add(-time.Duration(i%20) * time.Hour)
		}
		key, birth, div := p.Key, p.Birth, p.Division
		switch i % 1000 {
		case plantBadKey:
			last := key[17]
			key = key[:17] + string("10X98765432"[(indexByte("10X98765432", last)+1)%11])
			c.BadRows++
		case plantFuture:
			birth = now.AddDate(5, 0, 0).Format(time.DateOnly)
			c.BadRows++
		case plantDivision:
			div = "430299"
			c.BadRows++
		}
		edu := Education[i%len(Education)]
		marital := ""
		age := now.Year() - atoiSafe(p.Birth[:4])
		if age >= 22 {
			marital = Marital[(i/3)%len(Marital)]
		}
		out[SrcHousehold] = append(out[SrcHousehold], Row{Key: key, RowKey: "HJ" + strconv.Itoa(i), Time: bt,
			Values: []string{p.Name, p.Sex, birth, Ethnicities[i%7%len(Ethnicities)], p.Address, div, edu, marital}})
		bad := i%1000 == plantBadKey || i%1000 == plantFuture || i%1000 == plantDivision
		// 卫健: births of a third, deaths of one in a hundred.
		dead := i%100 == plantDeath
		if i%3 == 0 || dead || i%500 == plantBirthDiff {
			hb, ht := p.Birth, base.AddDate(0, 0, -1)
			if i%500 == plantBirthDiff {
				hb, ht = synthEpoch.AddDate(0, 0, synthDay(i)+1).Format(time.DateOnly), bt
				if !bad {
					c.SameTime++
				}
			}
			death := ""
			if dead {
				death, ht = "2024-03-01", time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
				if i%500 == plantBirthDiff {
					ht = bt
				}
			}
			out[SrcHealth] = append(out[SrcHealth], Row{Key: p.Key, RowKey: "WJ" + strconv.Itoa(i), Time: ht, Values: []string{p.Sex, hb, death}})
		}
		// 民政: marriage of most adults and subsistence aid.
		if age >= 22 && (i%5 != 0 || i%400 == plantMarital) {
			m, mt := marital, bt.AddDate(0, 0, -30)
			if i%400 == plantMarital {
				m, mt = Marital[((i/3)+1)%len(Marital)], bt
				if !bad {
					c.SameTime++
				}
			}
			aid := "否"
			if i%37 == 0 {
				aid = "是"
			}
			out[SrcCivil] = append(out[SrcCivil], Row{Key: p.Key, RowKey: "MZ" + strconv.Itoa(i), Time: mt, Values: []string{m, aid}})
		}
		// 人社: insurance of seven in ten adults.
		if age >= 18 && (i%10 < 7 || dead) {
			paid, status := "2025-06-30", Insurance[0]
			if dead && i%200 != plantDeath {
				paid, status = "2024-02-29", Insurance[2]
			} else if dead && !bad {
				c.DeathPaid++
			}
			pt, _ := time.Parse(time.DateOnly, paid)
			out[SrcInsurance] = append(out[SrcInsurance], Row{Key: p.Key, RowKey: "RS" + strconv.Itoa(i), Time: pt,
				ValidFrom: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: pt, Values: []string{status, paid}})
		}
	}
	return out, c
}

// SyntheticChanges answers count changes to the household register of n
// synthetic people: newer addresses and education; every tenth arrives
// late with an older business time than the register holds, and must lose.
func SyntheticChanges(n, count int, now time.Time) []Row {
	var out []Row
	for k := range count {
		i := (k * 7919) % n
		if m := i % 1000; m == plantBadKey || m == plantFuture || m == plantDivision {
			i++
		}
		p := Person(i)
		t := now
		if k%10 == 9 {
			t = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		age := now.Year() - atoiSafe(p.Birth[:4])
		marital := ""
		if age >= 22 {
			marital = Marital[(i/3)%len(Marital)]
		}
		out = append(out, Row{Key: p.Key, RowKey: "HJ" + strconv.Itoa(i) + "-" + strconv.Itoa(k), Time: t,
			Values: []string{p.Name, p.Sex, p.Birth, Ethnicities[i%7%len(Ethnicities)],
				"湖南省株洲市" + synthDistricts[i%len(synthDistricts)] + "新演示路" + strconv.Itoa(k+1) + "号", p.Division, Education[(i+1)%len(Education)], marital}})
	}
	return out
}

func indexByte(s string, b byte) int {
	for i := range len(s) {
		if s[i] == b {
			return i
		}
	}
	return 0
}

func atoiSafe(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

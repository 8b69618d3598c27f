// A tiny benchmark for profkit's diff fixtures (scripts/gen-diff-fixtures.sh).
//
// -variant=base does a fixed amount of work in three functions; -variant=regressed makes
// main.hashWork about 30 % slower (more rounds) and main.buildIndex allocate twice as much.
// Everything else is identical, so a diff of the two must name exactly those two functions.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

var sink [][]byte

//go:noinline
func hashWork(rounds int, seed uint64) uint64 {
	x := seed | 1
	for i := 0; i < rounds; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		x *= 0x9E3779B97F4A7C15
	}
	return x
}

//go:noinline
func parseInput(n int, seed uint64) uint64 {
	var acc uint64
	for i := 0; i < n; i++ {
		acc += (seed + uint64(i)) % 10007
		acc ^= acc >> 3
	}
	return acc
}

//go:noinline
func buildIndex(n int) [][]byte {
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		b := make([]byte, 1024)
		b[0] = byte(i)
		out = append(out, b)
	}
	return out
}

func main() {
	variant := flag.String("variant", "base", "base or regressed")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here")
	heapProfile := flag.String("heapprofile", "", "write an allocation profile here")
	flag.Parse()
	runtime.MemProfileRate = 1 // exact allocation profile

	hashRounds, allocs := 20_000_000, 2_000
	if *variant == "regressed" {
		hashRounds = hashRounds * 13 / 10
		allocs *= 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			panic(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			panic(err)
		}
		defer f.Close()
	}
	var acc uint64
	for iter := 0; iter < 20; iter++ {
		acc += parseInput(16_000_000, uint64(iter))
		acc += hashWork(hashRounds, uint64(iter))
		sink = buildIndex(allocs)
	}
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			panic(err)
		}
		f.Close()
	}
	fmt.Println(acc)
}

// profgen writes one profile of every kind the Go runtime produces, for profkit's tests.
//
// Usage: profgen -out DIR        writes the profiles below into DIR
//        profgen -panic          leaves a few goroutines parked and panics (a traceback on stderr)
//
// Files: cpu.pb.gz; heap.pb.gz, heap.debug1.txt; allocs.pb.gz; mutex.pb.gz, mutex.debug1.txt;
// block.pb.gz, block.debug1.txt; goroutine.pb.gz, goroutine.debug1.txt, goroutine.debug2.txt;
// threadcreate.pb.gz, threadcreate.debug1.txt.
//
// The work is fixed (no clocks decide how much is done) and every sampler runs at its finest
// rate (MemProfileRate 1, mutex fraction 1, block rate 1), so the profiles have the same shape
// on every run; only CPU sample counts vary a little with the machine. Standard library only.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

var sink []byte

// burn does a fixed amount of integer work.
//
//go:noinline
func burn(n int) uint64 {
	var x uint64 = 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 17
	}
	return x
}

//go:noinline
func hashLoop() uint64 { return burn(60_000_000) }

//go:noinline
func mixLoop() uint64 { return burn(30_000_000) + hashLoop()/3 }

func cpuWork() uint64 { return hashLoop() + mixLoop() }

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 64)
	}
}

//go:noinline
func allocLarge(n int) [][]byte {
	keep := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 32<<10))
	}
	return keep
}

var kept [][]byte

func heapWork() {
	allocSmall(1000)
	kept = allocLarge(64)
	runtime.GC()
}

//go:noinline
func lockHolder(mu *sync.Mutex, done *sync.WaitGroup) {
	defer done.Done()
	for i := 0; i < 200; i++ {
		mu.Lock()
		burn(20_000)
		mu.Unlock()
	}
}

func mutexWork() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go lockHolder(&mu, &wg)
	}
	wg.Wait()
}

//go:noinline
func consumer(ch chan int, done chan struct{}) {
	for range ch {
	}
	close(done)
}

//go:noinline
func producer(ch chan int) {
	for i := 0; i < 300; i++ {
		burn(10_000)
		ch <- i
	}
	close(ch)
}

func blockWork() {
	ch := make(chan int)
	done := make(chan struct{})
	go consumer(ch, done)
	producer(ch)
	<-done
}

//go:noinline
func parkedOnChannel(ch chan int) { <-ch }

//go:noinline
func parkedInSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func parkedOnMutex(mu *sync.Mutex) { mu.Lock() }

// park leaves 10 goroutines on one channel, 3 in a select and 2 on a held mutex.
func park() (release func()) {
	ch, a, b := make(chan int), make(chan int), make(chan int)
	var mu sync.Mutex
	mu.Lock()
	var started sync.WaitGroup
	for i := 0; i < 10; i++ {
		started.Add(1)
		go func() { started.Done(); parkedOnChannel(ch) }()
	}
	for i := 0; i < 3; i++ {
		started.Add(1)
		go func() { started.Done(); parkedInSelect(a, b) }()
	}
	for i := 0; i < 2; i++ {
		started.Add(1)
		go func() { started.Done(); parkedOnMutex(&mu) }()
	}
	started.Wait()
	for i := 0; i < 100; i++ { // let them reach their parking spots
		runtime.Gosched()
	}
	return func() { close(ch); close(a); mu.Unlock() }
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f(out); err != nil {
		fmt.Fprintln(os.Stderr, name, err)
		os.Exit(1)
	}
	out.Close()
}

func lookup(dir, profile string, debug int, name string) {
	write(dir, name, func(f *os.File) error { return pprof.Lookup(profile).WriteTo(f, debug) })
}

func main() {
	out := flag.String("out", ".", "output directory")
	doPanic := flag.Bool("panic", false, "park goroutines and panic")
	flag.Parse()

	if *doPanic {
		park()
		var table []int
		idx := 5
		fmt.Println(table[idx]) // index out of range: the runtime prints every goroutine (GOTRACEBACK=all)
		return
	}

	runtime.MemProfileRate = 1
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	write(*out, "cpu.pb.gz", func(f *os.File) error {
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "cpu work:", cpuWork())
		pprof.StopCPUProfile()
		return nil
	})

	heapWork()
	lookup(*out, "heap", 0, "heap.pb.gz")
	lookup(*out, "heap", 1, "heap.debug1.txt")
	lookup(*out, "allocs", 0, "allocs.pb.gz")

	mutexWork()
	lookup(*out, "mutex", 0, "mutex.pb.gz")
	lookup(*out, "mutex", 1, "mutex.debug1.txt")

	blockWork()
	lookup(*out, "block", 0, "block.pb.gz")
	lookup(*out, "block", 1, "block.debug1.txt")

	release := park()
	lookup(*out, "goroutine", 0, "goroutine.pb.gz")
	lookup(*out, "goroutine", 1, "goroutine.debug1.txt")
	lookup(*out, "goroutine", 2, "goroutine.debug2.txt")
	release()

	lookup(*out, "threadcreate", 0, "threadcreate.pb.gz")
	lookup(*out, "threadcreate", 1, "threadcreate.debug1.txt")
}

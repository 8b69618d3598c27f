// The doctest runner for every unit, golden and corpus-replay test.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

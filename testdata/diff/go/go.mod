module profkit.example/diffbench

go 1.19

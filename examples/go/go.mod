module platform.example/functions

go 1.21

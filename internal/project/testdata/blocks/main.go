package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("blocks")
	select {} // waits forever before Run
	a.Run()
}

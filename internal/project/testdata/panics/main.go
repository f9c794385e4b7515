package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("panics")
	a.Route("/x/", func(*app.Request) (any, error) { return nil, nil })
	a.Run()
}

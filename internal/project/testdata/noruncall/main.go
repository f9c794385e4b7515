package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("noruncall")
	a.Route("/", func(*app.Request) (any, error) { return nil, nil })
	// forgot a.Run()
}

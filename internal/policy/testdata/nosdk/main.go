package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("nosdk")
	a.Route("/", func(*app.Request) (any, error) { return "hi", nil })
	a.Run()
}

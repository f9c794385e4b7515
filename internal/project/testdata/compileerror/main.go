package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("compileerror")
	a.Route("/", undefinedView)
	a.Run()
}

class Foo {}
// ERROR "class declarations are not supported" at 1:1

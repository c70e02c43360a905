let a = 1
let b = 2
const c = a + b
console.log(c)
function f() {
  return 5
}
console.log(f())

function a() {
  let x = 1;
  function b() {
    let y = 10;
    function c() {
      x++;
      y++;
      return x + y;
    }
    return c;
  }
  return b();
}
const f = a();
console.log(f(), f(), f());

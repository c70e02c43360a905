switch (3) {
}
switch (3) {
  default:
    console.log("default only");
}
let n = 0;
switch (n) {
  case 0:
  case 1:
    console.log("grouped");
}

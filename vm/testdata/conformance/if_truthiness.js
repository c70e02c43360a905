const vals = [0, 1, -0, NaN, "", "x", null, undefined, true, false];
for (const v of vals) {
  if (v) {
    console.log("truthy", v);
  } else {
    console.log("falsy", v);
  }
}
if ([]) console.log("empty array truthy");
if ({}) console.log("empty object truthy");

let x = 1;
if (x) ; else ;
for (;;) break;
;;
console.log("ok");

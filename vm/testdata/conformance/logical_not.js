console.log(!true, !false, !0, !1, !"", !"a", !null, !undefined, !NaN);
console.log(!!-0, !![], !!{});

use cookbook_tests::exercise;

#[test]
fn each_greeter_says_its_own_greeting() {
    let out = exercise(
        env!("CARGO_BIN_EXE_subclass-fields"),
        env!("CARGO_BIN_EXE_subclass-fields-solution"),
        "subclass-fields",
    )
    .run();
    out.assert_success();
    assert_eq!(
        out.lines(),
        [
            "bonjour from Greeter-1",
            "hola from Greeter-2",
            "hallo from Greeter-3"
        ]
    );
}

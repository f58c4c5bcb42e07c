//! Routes that cannot drift: the route table (what the router serves), the OpenAPI document and
//! the role table are one list. A route added to the router but not documented, a documented
//! operation with no route, or a `.route(` call outside the route table fails here; the
//! authorization walk (`authz.rs`) fails for a route it does not try.

use std::collections::BTreeSet;
use std::path::Path;

use kyoyu_server::rest::openapi_document;
use kyoyu_server::routes::{Action, table};

fn documented() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(openapi_document()).expect("OpenAPI serializes");
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn every_api_route_is_documented_and_every_documented_operation_is_routed() {
    let routed: BTreeSet<(String, String)> = table()
        .into_iter()
        .filter(|spec| spec.path.starts_with("/api/") && spec.action != Action::Public)
        .map(|spec| (spec.method.to_string(), spec.path.to_owned()))
        .collect();
    let documented = documented();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented operations with no route: {unrouted:?}"
    );
    assert!(routed.len() >= 21, "{routed:?}");
}

#[test]
fn the_table_has_each_route_once_and_public_only_for_infrastructure() {
    let specs = table();
    let mut seen = BTreeSet::new();
    for spec in &specs {
        assert!(
            seen.insert((spec.method.to_string(), spec.path)),
            "{} {} twice",
            spec.method,
            spec.path
        );
        if spec.action == Action::Public {
            assert!(
                ["/healthz", "/api/openapi.json"].contains(&spec.path),
                "{} {} claims to need no role",
                spec.method,
                spec.path
            );
        }
    }
    // TAXII routes are all in the table too (the walk covers them).
    assert!(specs.iter().any(|spec| spec.path.starts_with("/taxii2/")));
}

/// Every `.route(` call of the crate is the one inside `Routes::add`: a route added to the
/// router any other way would bypass the table and the tests above.
#[test]
fn no_route_is_added_outside_the_route_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source readable");
            for (number, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if [
                    ".route(",
                    ".nest(",
                    ".merge(",
                    ".route_service(",
                    ".nest_service(",
                ]
                .iter()
                .any(|call| code.contains(call))
                {
                    found.push(format!(
                        "{}:{}: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert_eq!(
        found.len(),
        1,
        "routes are added only in routes.rs `Routes::add`: {found:#?}"
    );
    assert!(found[0].contains("routes.rs"), "{found:?}");
}

/// Query parameters are documented as query parameters (a generated client puts them in the
/// URL's query, not its path), and every path parameter is in its path.
#[test]
fn parameters_are_documented_where_they_are_sent() {
    let document = serde_json::to_value(openapi_document()).expect("OpenAPI serializes");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().expect("name");
                let place = parameter["in"].as_str().expect("in");
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    place == "path",
                    in_path,
                    "{method} {path}: `{name}` is documented in {place}"
                );
            }
        }
    }
}

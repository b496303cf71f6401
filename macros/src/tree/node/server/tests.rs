//! A gen_server child's type, as a path with generics.

use quote::quote;

use crate::tree::ast::NodeKind;
use crate::tree::parse::testing::*;

#[test]
fn type_paths_and_generics() {
    let tree = tree(quote! {
        app: supervisor {
            a: Lru<String, u32>(16),
            b: caches::Lru::<u8>(),
            c: ::other::Cache { restart = temporary },
            d: crate::servers::Db(),
            e: dynamic_supervisor<jobs::Job<u8>>,
        },
    });
    let types: Vec<String> = tree.root.children[..4]
        .iter()
        .map(|child| text(&server(child).ty))
        .collect();
    assert_eq!(
        types,
        [
            "Lru < String , u32 >",
            "caches :: Lru :: < u8 >",
            ":: other :: Cache",
            "crate :: servers :: Db"
        ]
    );
    let NodeKind::Dynamic(e) = &tree.root.children[4].kind else {
        panic!("e is dynamic");
    };
    assert_eq!(text(&e.child_ty), "jobs :: Job < u8 >");
}

//! Application Specific Information (KMIP 1.4 section 3.36, KMIP 2.1
//! section 4.4) and Alternative Name (KMIP 1.4 section 3.40, KMIP 2.1
//! section 4.2) between their KMIP form and what a key keeps
//! ([`keyhold_core::kmip_app_info`]).

use keyhold_core::Key;
use keyhold_core::kmip_app_info::{AltName, AppInfo, check_alt_names, check_app_infos};
use keyhold_kmip::{
    AlternativeName, ApplicationSpecificInformation, AttributeValue, Attributes, ResultReason,
};

use super::errors::ItemFailure;

fn invalid(e: impl ToString) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, e.to_string())
}

/// The Application Specific Information keyhold keeps for `info`. A
/// client that omits the Application Data asks the server to choose it
/// for the namespace (KMIP 1.4 section 3.36); keyhold supports no
/// namespace, so that is Application Namespace Not Supported.
pub(crate) fn kept_app_info(info: &ApplicationSpecificInformation) -> Result<AppInfo, ItemFailure> {
    let Some(data) = &info.data else {
        return Err(ItemFailure::new(
            ResultReason::ApplicationNamespaceNotSupported,
            "keyhold chooses no Application Data: it supports no Application Namespace",
        ));
    };
    AppInfo::new(info.namespace.clone(), data.clone()).map_err(invalid)
}

/// The Alternative Name keyhold keeps for `name`.
pub(crate) fn kept_alt_name(name: &AlternativeName) -> Result<AltName, ItemFailure> {
    AltName::new(name.value.clone(), name.name_type).map_err(invalid)
}

/// The Application Specific Information a Create or Register gives,
/// bounded and distinct ([`check_app_infos`]).
pub(crate) fn app_info_of(attrs: &Attributes) -> Result<Vec<AppInfo>, ItemFailure> {
    let infos = attrs
        .items
        .iter()
        .filter_map(|a| match &a.value {
            AttributeValue::ApplicationSpecificInformation(i) => Some(kept_app_info(i)),
            _ => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_app_infos(&infos).map_err(invalid)?;
    Ok(infos)
}

/// The Alternative Names a Create or Register gives, bounded and distinct
/// ([`check_alt_names`]).
pub(crate) fn alt_names_of(attrs: &Attributes) -> Result<Vec<AltName>, ItemFailure> {
    let names = attrs
        .items
        .iter()
        .filter_map(|a| match &a.value {
            AttributeValue::AlternativeName(n) => Some(kept_alt_name(n)),
            _ => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_alt_names(&names).map_err(invalid)?;
    Ok(names)
}

/// The Application Specific Information and Alternative Names of a
/// Create Key Pair's attribute lists, each instance once: keyhold keeps
/// one set per key, so both objects of the pair report them.
pub(crate) fn of_pair(
    lists: &[Option<&Attributes>],
) -> Result<(Vec<AppInfo>, Vec<AltName>), ItemFailure> {
    let mut merged = Attributes::default();
    for a in lists.iter().flatten().flat_map(|l| l.items.iter()) {
        let ours = matches!(
            a.value,
            AttributeValue::ApplicationSpecificInformation(_) | AttributeValue::AlternativeName(_)
        );
        if ours && !merged.items.iter().any(|m| m.value == a.value) {
            merged.push(a.value.clone());
        }
    }
    Ok((app_info_of(&merged)?, alt_names_of(&merged)?))
}

/// The KMIP form of a kept Application Specific Information.
pub(crate) fn app_info_value(info: &AppInfo) -> AttributeValue {
    AttributeValue::ApplicationSpecificInformation(ApplicationSpecificInformation {
        namespace: info.namespace().to_owned(),
        data: Some(info.data().to_owned()),
    })
}

/// The KMIP form of a kept Alternative Name.
pub(crate) fn alt_name_value(name: &AltName) -> AttributeValue {
    AttributeValue::AlternativeName(AlternativeName {
        value: name.value().to_owned(),
        name_type: name.name_type(),
    })
}

/// Appends `key`'s Application Specific Information and Alternative
/// Names, in the order set.
pub(crate) fn report(key: &Key, out: &mut Attributes) {
    for info in &key.kmip.app_info {
        out.push(app_info_value(info));
    }
    for name in &key.kmip.alt_names {
        out.push(alt_name_value(name));
    }
}

/// Whether `key` has an Application Specific Information like `asked`:
/// the same namespace and, when `asked` gives it, the same data.
pub(crate) fn has_app_info(key: &Key, asked: &ApplicationSpecificInformation) -> bool {
    key.kmip.app_info.iter().any(|have| {
        have.namespace() == asked.namespace
            && asked.data.as_deref().is_none_or(|d| d == have.data())
    })
}

/// Whether `key` has the Alternative Name `asked`.
pub(crate) fn has_alt_name(key: &Key, asked: &AlternativeName) -> bool {
    key.kmip
        .alt_names
        .iter()
        .any(|have| have.value() == asked.value && have.name_type() == asked.name_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asi(ns: &str, data: Option<&str>) -> AttributeValue {
        AttributeValue::ApplicationSpecificInformation(ApplicationSpecificInformation {
            namespace: ns.into(),
            data: data.map(str::to_owned),
        })
    }

    fn attrs(values: Vec<AttributeValue>) -> Attributes {
        let mut a = Attributes::default();
        for v in values {
            a.push(v);
        }
        a
    }

    #[test]
    fn application_information_needs_its_data_and_fits_its_bounds() {
        let kept = app_info_of(&attrs(vec![asi("LIBRARY-LTO", Some("01"))])).unwrap();
        assert_eq!(kept[0].namespace(), "LIBRARY-LTO");
        assert_eq!(app_info_value(&kept[0]), asi("LIBRARY-LTO", Some("01")));
        let no_data = app_info_of(&attrs(vec![asi("LIBRARY-LTO", None)])).unwrap_err();
        assert_eq!(
            no_data.reason,
            ResultReason::ApplicationNamespaceNotSupported
        );
        let twice = app_info_of(&attrs(vec![asi("a", Some("1")), asi("a", Some("1"))]));
        assert_eq!(twice.unwrap_err().reason, ResultReason::InvalidField);
        let long = "d".repeat(keyhold_core::kmip_app_info::MAX_APP_DATA_BYTES + 1);
        let long = app_info_of(&attrs(vec![asi("a", Some(&long))]));
        assert_eq!(long.unwrap_err().reason, ResultReason::InvalidField);
    }

    #[test]
    fn alternative_names_round_trip_and_are_bounded() {
        let name = AttributeValue::AlternativeName(AlternativeName {
            value: "XXA012A1".into(),
            name_type: 1,
        });
        let kept = alt_names_of(&attrs(vec![name.clone()])).unwrap();
        assert_eq!(alt_name_value(&kept[0]), name);
        let empty = AttributeValue::AlternativeName(AlternativeName {
            value: String::new(),
            name_type: 1,
        });
        let refused = alt_names_of(&attrs(vec![empty])).unwrap_err();
        assert_eq!(refused.reason, ResultReason::InvalidField);
    }
}

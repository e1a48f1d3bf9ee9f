//! Company rules: validated fields, the branch list, and who may leave or lose admin rights.

use serde::{Deserialize, Serialize};
use studiogate_graph::GraphError;

use super::text;
use crate::error::{Named, StudiosError};

/// A branch office as stored in `companies.branches`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub name: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
}

/// Validates one branch; `at` is the input path used in errors (`branch`, `branches.2`).
pub fn branch(at: &str, b: &Branch) -> Result<Branch, GraphError> {
    Ok(Branch {
        name: text::length(&format!("{at}.name"), &b.name, 1, 100)?,
        address: text::length(&format!("{at}.address"), &b.address, 10, 500)?,
        contact_email: b
            .contact_email
            .as_deref()
            .map(|e| text::email(&format!("{at}.contactEmail"), e))
            .transpose()?,
        contact_phone: b
            .contact_phone
            .as_deref()
            .map(|p| text::phone(&format!("{at}.contactPhone"), p))
            .transpose()?,
    })
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Adds a branch; names are unique within the company, ignoring case.
pub fn add_branch(branches: &[Branch], new: Branch) -> Result<Vec<Branch>, StudiosError> {
    if branches.iter().any(|b| same_name(&b.name, &new.name)) {
        return Err(StudiosError::NameTaken(Named::Branch));
    }
    let mut out = branches.to_vec();
    out.push(new);
    Ok(out)
}

/// Replaces the branch called `name`.
pub fn update_branch(
    branches: &[Branch],
    name: &str,
    new: Branch,
) -> Result<Vec<Branch>, StudiosError> {
    let index = branches
        .iter()
        .position(|b| same_name(&b.name, name))
        .ok_or_else(|| GraphError::not_found("Branch").with_field("name"))?;
    if branches
        .iter()
        .enumerate()
        .any(|(i, b)| i != index && same_name(&b.name, &new.name))
    {
        return Err(StudiosError::NameTaken(Named::Branch));
    }
    let mut out = branches.to_vec();
    out[index] = new;
    Ok(out)
}

pub fn remove_branch(branches: &[Branch], name: &str) -> Result<Vec<Branch>, GraphError> {
    let before = branches.len();
    let out: Vec<Branch> = branches
        .iter()
        .filter(|b| !same_name(&b.name, name))
        .cloned()
        .collect();
    if out.len() == before {
        return Err(GraphError::not_found("Branch").with_field("name"));
    }
    Ok(out)
}

/// A company must keep at least one approved admin.
pub fn keeps_an_admin(admins_after: usize) -> Result<(), StudiosError> {
    if admins_after == 0 {
        Err(StudiosError::LastAdmin)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studiogate_graph::ErrorCode;

    fn b(name: &str) -> Branch {
        Branch {
            name: name.into(),
            address: "1 Harbour Road, Springfield".into(),
            contact_email: None,
            contact_phone: None,
        }
    }

    #[test]
    fn branch_names_are_unique_ignoring_case() {
        let list = add_branch(&[], b("North")).expect("first");
        let err = add_branch(&list, b(" north ")).expect_err("duplicate");
        assert!(matches!(err, StudiosError::NameTaken(Named::Branch)));
        let list = add_branch(&list, b("South")).expect("second");
        assert!(update_branch(&list, "South", b("NORTH")).is_err());
        let list = update_branch(&list, "south", b("East")).expect("rename");
        assert_eq!(list[1].name, "East");
        assert_eq!(remove_branch(&list, "EAST").expect("remove").len(), 1);
        assert_eq!(
            remove_branch(&list, "West").expect_err("missing").code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn branch_fields_are_checked_with_their_path() {
        let mut bad = b("North");
        bad.address = "short".into();
        let err = branch("branch", &bad).expect_err("short address");
        assert_eq!(err.field.as_deref(), Some("branch.address"));
    }

    #[test]
    fn the_last_admin_stays() {
        assert!(matches!(
            keeps_an_admin(0).expect_err("last"),
            StudiosError::LastAdmin
        ));
        assert!(keeps_an_admin(1).is_ok());
    }
}

//! Tenant-scoped selects and writes, the first wall between tenants. Code outside this module
//! never calls `Entity::find()`, `find_by_id`, `update_many()` or `delete_many()` for tenant
//! data (`crates/domains/clippy.toml` denies them in every domain crate); it starts from one of
//! these and only narrows it further.

use sea_orm::sea_query::{Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DeleteMany, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
    UpdateMany,
};
use uuid::Uuid;

use crate::generated::{
    card_field_definitions, companies, files, kanban_boards, kanban_cards, kanban_stages, studios,
    user_companies, user_profiles, workflow_executions, workflow_templates,
};

/// What one viewer may see: their own account, and the companies where their membership is
/// `approved` (pending, rejected and revoked memberships grant nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantScope {
    pub account_id: Uuid,
    pub companies: Companies,
}

/// The companies a scope opens; `All` is a studios platform admin reading (private files
/// still stay with their uploader).
pub type Companies = studiogate_graph::Tenants;

impl TenantScope {
    /// The scope one approved membership opens by itself: its member, and its company alone.
    /// For a write that has just read the viewer's own approved membership (the caller checks
    /// the status) and touches nothing outside that company, so it needs no other membership.
    pub fn of_membership(membership: &user_companies::Model) -> Self {
        Self {
            account_id: membership.user_id,
            companies: Companies::Only(vec![membership.company_id]),
        }
    }

    fn in_companies<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        self.companies.condition(column)
    }

    fn studio_ids(&self) -> SelectStatement {
        Query::select()
            .column(studios::Column::Id)
            .from(studios::Entity)
            .and_where(self.in_companies(studios::Column::CompanyId))
            .to_owned()
    }

    fn board_ids(&self) -> SelectStatement {
        Query::select()
            .column(kanban_boards::Column::Id)
            .from(kanban_boards::Entity)
            .and_where(kanban_boards::Column::StudioId.in_subquery(self.studio_ids()))
            .to_owned()
    }

    pub fn companies(&self) -> Select<companies::Entity> {
        companies::Entity::find().filter(self.in_companies(companies::Column::Id))
    }

    pub fn studios(&self) -> Select<studios::Entity> {
        studios::Entity::find().filter(self.in_companies(studios::Column::CompanyId))
    }

    pub fn executions(&self) -> Select<workflow_executions::Entity> {
        workflow_executions::Entity::find()
            .filter(workflow_executions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// `private` files only for their uploader. The spec's `studio` and `company` levels both
    /// mean "members of the owning company": studio access is company membership.
    pub fn files(&self) -> Select<files::Entity> {
        files::Entity::find()
            .filter(files::Column::StudioId.in_subquery(self.studio_ids()))
            .filter(
                Condition::any()
                    .add(files::Column::AccessLevel.ne("private"))
                    .add(files::Column::UploadedBy.eq(self.account_id)),
            )
    }

    pub fn kanban_boards(&self) -> Select<kanban_boards::Entity> {
        kanban_boards::Entity::find()
            .filter(kanban_boards::Column::StudioId.in_subquery(self.studio_ids()))
    }

    pub fn kanban_stages(&self) -> Select<kanban_stages::Entity> {
        kanban_stages::Entity::find()
            .filter(kanban_stages::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn kanban_cards(&self) -> Select<kanban_cards::Entity> {
        kanban_cards::Entity::find()
            .filter(kanban_cards::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn card_field_definitions(&self) -> Select<card_field_definitions::Entity> {
        card_field_definitions::Entity::find()
            .filter(card_field_definitions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// Memberships of the viewer's companies, and the viewer's own (of any status).
    pub fn memberships(&self) -> Select<user_companies::Entity> {
        user_companies::Entity::find().filter(self.membership_condition())
    }

    fn membership_condition(&self) -> Condition {
        Condition::any()
            .add(self.in_companies(user_companies::Column::CompanyId))
            .add(user_companies::Column::UserId.eq(self.account_id))
    }

    /// The viewer's profile and those of people with a membership in the viewer's companies.
    pub fn profiles(&self) -> Select<user_profiles::Entity> {
        let colleagues = Query::select()
            .column(user_companies::Column::UserId)
            .from(user_companies::Entity)
            .and_where(self.in_companies(user_companies::Column::CompanyId))
            .to_owned();
        user_profiles::Entity::find().filter(
            Condition::any()
                .add(user_profiles::Column::Id.eq(self.account_id))
                .add(user_profiles::Column::Id.in_subquery(colleagues)),
        )
    }

    /// The accounts whose sign-in e-mail the viewer may read: their own, and everyone with a
    /// membership (of any status, so join requests too) in a company where the viewer is an
    /// approved admin. Plain members see names, not addresses.
    pub fn account_emails(&self) -> Select<crate::generated::accounts::Entity> {
        use crate::generated::accounts;
        let mut administered = approved_companies(self.account_id, "approved");
        administered.and_where(user_companies::Column::Role.eq("admin"));
        let colleagues = Query::select()
            .column(user_companies::Column::UserId)
            .from(user_companies::Entity)
            .and_where(self.in_companies(user_companies::Column::CompanyId))
            .and_where(user_companies::Column::CompanyId.in_subquery(administered))
            .to_owned();
        accounts::Entity::find()
            .filter(accounts::Column::DeletedAt.is_null())
            .filter(
                Condition::any()
                    .add(accounts::Column::Id.eq(self.account_id))
                    .add(accounts::Column::Id.in_subquery(colleagues)),
            )
    }
}

/// Workflow templates are the platform's catalog, not tenant data: members see the active
/// ones, platform admins see all.
pub fn templates(include_inactive: bool) -> Select<workflow_templates::Entity> {
    let select = workflow_templates::Entity::find();
    if include_inactive {
        select
    } else {
        select.filter(workflow_templates::Column::IsActive.eq(true))
    }
}

/// Writes to the catalog; only platform admins reach them (the mutations' policy).
pub fn update_templates() -> UpdateMany<workflow_templates::Entity> {
    workflow_templates::Entity::update_many()
}

/// A viewer's own memberships, of every status: what a [`TenantScope`] is built from.
pub fn memberships_of(account_id: Uuid) -> Select<user_companies::Entity> {
    user_companies::Entity::find().filter(user_companies::Column::UserId.eq(account_id))
}

/// The companies where `account_id` holds a membership of status `approved` (the domain's
/// name for it): the subquery of a reading scope ([`Companies::Selected`]). The status is
/// written into the statement, not bound: PostgreSQL then uses the partial index on
/// `(user_id, company_id) WHERE status = 'approved'` in the plan it keeps for the prepared
/// statement (a bound status cannot prove the index's predicate), and answers the lookup from
/// the index alone.
pub fn approved_companies(account_id: Uuid, approved: &str) -> SelectStatement {
    let status = Expr::col((user_companies::Entity, user_companies::Column::Status));
    memberships_of(account_id)
        .select_only()
        .column(user_companies::Column::CompanyId)
        .filter(status.eq(SimpleExpr::Constant(approved.into())))
        .into_query()
}

/// A viewer's own account row.
pub fn own_account(account_id: Uuid) -> Select<crate::generated::accounts::Entity> {
    use crate::generated::accounts;
    accounts::Entity::find().filter(accounts::Column::Id.eq(account_id))
}

/// Writes to an account's own profile (its sign-in time, from identity's hook).
pub fn update_own_profile(account_id: Uuid) -> UpdateMany<user_profiles::Entity> {
    user_profiles::Entity::update_many().filter(user_profiles::Column::Id.eq(account_id))
}

/// A company by id, for join requests: the requester is not a member yet, and learns no more
/// than that the company exists.
pub fn joinable_company(company_id: Uuid) -> Select<companies::Entity> {
    companies::Entity::find().filter(companies::Column::Id.eq(company_id))
}

impl TenantScope {
    /// Files of the visible studios, private ones included: for totals only (a count reveals
    /// nothing of a private file, and a studio's totals must not depend on who asks).
    pub fn files_for_totals(&self) -> Select<files::Entity> {
        files::Entity::find().filter(files::Column::StudioId.in_subquery(self.studio_ids()))
    }
}

/// Scoped writes: each UPDATE and DELETE carries the same tenant predicate as the matching
/// select, so a write narrowed to a row by id cannot reach another tenant's row even if the
/// check before it was skipped. Mutations write through the writing context, whose scope is the
/// viewer's approved memberships (never [`Companies::All`]).
impl TenantScope {
    pub fn update_companies(&self) -> UpdateMany<companies::Entity> {
        companies::Entity::update_many().filter(self.in_companies(companies::Column::Id))
    }

    pub fn update_studios(&self) -> UpdateMany<studios::Entity> {
        studios::Entity::update_many().filter(self.in_companies(studios::Column::CompanyId))
    }

    pub fn update_executions(&self) -> UpdateMany<workflow_executions::Entity> {
        workflow_executions::Entity::update_many()
            .filter(workflow_executions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// Also how a reorder locks a board: an UPDATE works alike on PostgreSQL and SQLite.
    pub fn update_kanban_boards(&self) -> UpdateMany<kanban_boards::Entity> {
        kanban_boards::Entity::update_many()
            .filter(kanban_boards::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// Also how a reorder locks stages (see [`TenantScope::update_kanban_boards`]).
    pub fn update_kanban_stages(&self) -> UpdateMany<kanban_stages::Entity> {
        kanban_stages::Entity::update_many()
            .filter(kanban_stages::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn update_kanban_cards(&self) -> UpdateMany<kanban_cards::Entity> {
        kanban_cards::Entity::update_many()
            .filter(kanban_cards::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn delete_kanban_cards(&self) -> DeleteMany<kanban_cards::Entity> {
        kanban_cards::Entity::delete_many()
            .filter(kanban_cards::Column::BoardId.in_subquery(self.board_ids()))
    }

    /// The memberships [`TenantScope::memberships`] selects; who may decide what is the
    /// domain's rule (company admins).
    pub fn update_memberships(&self) -> UpdateMany<user_companies::Entity> {
        user_companies::Entity::update_many().filter(self.membership_condition())
    }
}

/// Writes to the card field definitions of the visible studios.
impl TenantScope {
    pub fn update_card_field_definitions(&self) -> UpdateMany<card_field_definitions::Entity> {
        card_field_definitions::Entity::update_many()
            .filter(card_field_definitions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    pub fn delete_card_field_definitions(&self) -> DeleteMany<card_field_definitions::Entity> {
        card_field_definitions::Entity::delete_many()
            .filter(card_field_definitions::Column::StudioId.in_subquery(self.studio_ids()))
    }
}

/// A file by id for a download link: the link's signature, issued to a viewer who could see
/// the file, is the authorisation.
pub fn signed_file(file_id: Uuid) -> Select<files::Entity> {
    files::Entity::find().filter(files::Column::Id.eq(file_id))
}

/// Writes to the file of a verified download link (its access time), as [`signed_file`].
pub fn update_signed_file(file_id: Uuid) -> UpdateMany<files::Entity> {
    files::Entity::update_many().filter(files::Column::Id.eq(file_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    const A: Uuid = Uuid::from_u128(0xa);
    const B: Uuid = Uuid::from_u128(0xb);
    const VIEWER: Uuid = Uuid::from_u128(0xfeed);

    fn only_a() -> TenantScope {
        TenantScope {
            account_id: VIEWER,
            companies: Companies::Only(vec![A]),
        }
    }

    fn sql(statement: &impl QueryTrait) -> String {
        statement.build(DbBackend::Postgres).to_string()
    }

    /// Every tenant select and write of a scope names its companies, and no others.
    #[test]
    fn every_scoped_statement_carries_the_companies_of_its_scope() {
        let scope = only_a();
        let statements = [
            ("companies", sql(&scope.companies())),
            ("studios", sql(&scope.studios())),
            ("executions", sql(&scope.executions())),
            ("files", sql(&scope.files())),
            ("files_for_totals", sql(&scope.files_for_totals())),
            ("kanban_boards", sql(&scope.kanban_boards())),
            ("kanban_stages", sql(&scope.kanban_stages())),
            ("kanban_cards", sql(&scope.kanban_cards())),
            (
                "card_field_definitions",
                sql(&scope.card_field_definitions()),
            ),
            ("memberships", sql(&scope.memberships())),
            ("profiles", sql(&scope.profiles())),
            ("update_companies", sql(&scope.update_companies())),
            ("update_studios", sql(&scope.update_studios())),
            ("update_executions", sql(&scope.update_executions())),
            ("update_kanban_boards", sql(&scope.update_kanban_boards())),
            ("update_kanban_stages", sql(&scope.update_kanban_stages())),
            ("update_kanban_cards", sql(&scope.update_kanban_cards())),
            ("delete_kanban_cards", sql(&scope.delete_kanban_cards())),
            ("update_memberships", sql(&scope.update_memberships())),
        ];
        for (name, sql) in statements {
            assert!(
                sql.contains(&A.to_string()),
                "{name} lacks its company: {sql}"
            );
            assert!(
                !sql.contains(&B.to_string()),
                "{name} names another company: {sql}"
            );
            assert!(sql.contains("WHERE"), "{name} is unfiltered: {sql}");
        }
    }

    /// A reading scope names no company: each statement selects the viewer's approved
    /// memberships itself, on PostgreSQL as an array built once per statement.
    #[test]
    fn a_reading_scope_selects_the_approved_memberships_in_each_statement() {
        for (backend, condition) in [
            (
                DbBackend::Postgres,
                r#""studios"."company_id" = ANY(ARRAY (SELECT "user_companies"."company_id" FROM "user_companies""#,
            ),
            (
                DbBackend::Sqlite,
                r#""studios"."company_id" IN (SELECT "user_companies"."company_id" FROM "user_companies""#,
            ),
        ] {
            let scope = TenantScope {
                account_id: VIEWER,
                companies: Companies::Selected {
                    select: Box::new(approved_companies(VIEWER, "approved")),
                    postgres: backend == DbBackend::Postgres,
                },
            };
            let statements = [
                scope.studios().build(backend),
                scope.executions().build(backend),
                scope.files().build(backend),
            ];
            for statement in statements {
                let sql = statement.to_string();
                assert!(sql.contains(condition), "{backend:?}: {sql}");
                assert!(
                    sql.contains(&format!(
                        r#""user_companies"."user_id" = '{VIEWER}' AND "user_companies"."status" = 'approved'"#
                    )),
                    "{backend:?}: {sql}"
                );
            }
        }
    }

    /// The viewer's own rows: its memberships of any status and its profile, besides those of
    /// its companies.
    #[test]
    fn a_viewers_own_memberships_and_profile_stay_in_its_scope() {
        let none = TenantScope {
            account_id: VIEWER,
            companies: Companies::Only(Vec::new()),
        };
        for sql in [sql(&none.memberships()), sql(&none.profiles())] {
            assert!(sql.contains(&VIEWER.to_string()), "{sql}");
        }
        // With no company, a studio select matches nothing.
        let studios = sql(&none.studios());
        assert!(!studios.contains(&A.to_string()), "{studios}");
    }

    /// Private files stay with their uploader, whatever the scope.
    #[test]
    fn private_files_need_their_uploader() {
        for scope in [
            only_a(),
            TenantScope {
                account_id: VIEWER,
                companies: Companies::All,
            },
        ] {
            let sql = sql(&scope.files());
            assert!(
                sql.contains("'private'") && sql.contains(&VIEWER.to_string()),
                "{sql}"
            );
        }
    }

    #[test]
    fn a_membership_opens_its_company_alone() {
        let membership = user_companies::Model {
            id: Uuid::from_u128(1),
            user_id: VIEWER,
            company_id: B,
            role: "member".into(),
            status: "approved".into(),
            joined_at: None,
            created_at: sea_orm::prelude::DateTimeWithTimeZone::default(),
        };
        let scope = TenantScope::of_membership(&membership);
        assert_eq!(scope.companies, Companies::Only(vec![B]));
        assert_eq!(scope.account_id, VIEWER);
    }

    /// Outside tenant scopes, each helper is narrowed to what it names.
    #[test]
    fn unscoped_helpers_are_narrowed_to_their_row() {
        let id = Uuid::from_u128(0x5);
        for (name, sql) in [
            ("memberships_of", sql(&memberships_of(id))),
            ("own_account", sql(&own_account(id))),
            ("update_own_profile", sql(&update_own_profile(id))),
            ("joinable_company", sql(&joinable_company(id))),
            ("signed_file", sql(&signed_file(id))),
            ("update_signed_file", sql(&update_signed_file(id))),
        ] {
            assert!(sql.contains(&id.to_string()), "{name}: {sql}");
        }
        assert!(sql(&templates(false)).contains("is_active"));
        assert!(!sql(&templates(true)).contains("WHERE"));
    }

    /// The writes to card field definitions carry the scope's companies, as its selects do.
    #[test]
    fn card_field_definition_writes_carry_the_companies_of_their_scope() {
        let scope = only_a();
        for sql in [
            sql(&scope.update_card_field_definitions()),
            sql(&scope.delete_card_field_definitions()),
        ] {
            assert!(sql.contains(&A.to_string()), "{sql}");
            assert!(!sql.contains(&B.to_string()), "{sql}");
        }
    }
}

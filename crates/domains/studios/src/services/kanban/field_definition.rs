//! The custom fields a studio's cards carry.

use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_studios::card_field_definitions as defs;
use studiogate_graph::loader::Visible;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;
use crate::enums::CardFieldType;
use crate::error::{Named, StudiosError};
use crate::rules::fields::{self, Definition};
use crate::services::{now, visible_studio};

/// The studio's field definitions, for checking card values.
pub async fn definitions(ctx: &StudiosCtx, studio_id: Uuid) -> Result<Vec<Definition>, GraphError> {
    Visible::<defs::Entity>::visible(ctx)
        .await?
        .filter(defs::Column::StudioId.eq(studio_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| {
            Ok(Definition {
                name: d.field_name,
                field_type: CardFieldType::from_db(&d.field_type)?.into(),
                config: d.field_config,
                required: d.is_required,
            })
        })
        .collect()
}

/// A new custom field for the studio's cards.
pub async fn create(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    name: &str,
    field_type: CardFieldType,
    config: serde_json::Value,
    required: bool,
    display_order: Option<i32>,
) -> Result<defs::Model, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let name = crate::rules::text::length("fieldName", name, 1, 50)?;
    fields::check_config(field_type, &config)?;
    let order = match display_order {
        Some(o) if o < 0 => {
            return Err(
                GraphError::bad_input("displayOrder", "`displayOrder` must be 0 or more").into(),
            )
        }
        Some(o) => o,
        None => definitions(ctx, studio.id).await?.len() as i32,
    };
    defs::ActiveModel {
        id: Set(Uuid::new_v4()),
        studio_id: Set(studio.id),
        field_name: Set(name),
        field_type: Set(field_type.as_db().into()),
        field_config: Set(config),
        is_required: Set(required),
        display_order: Set(order),
        created_at: Set(now()),
    }
    .insert(&ctx.db)
    .await
    .map_err(StudiosError::taken(Named::FieldDefinition))
}

//! Changing, reordering and deleting the custom fields of a studio's cards (creating one is
//! `createCardFieldDefinition`, with the kanban mutations).

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::kanban::CardFieldDefinitionPayload;
use crate::context::writer;
use crate::objects::CardFieldDefinition;
use crate::services::kanban::field_definition::{self, DefinitionChanges};

#[derive(Default)]
pub struct FieldDefinitionMutation;

/// Changes to a card field definition; fields left out stay as they are. Its type cannot
/// change.
#[derive(InputObject)]
pub struct UpdateCardFieldDefinitionInput {
    pub id: Uuid,
    /// 1-50 characters, unique within the studio. The cards' values of the field are renamed
    /// with it.
    pub field_name: Option<String>,
    /// Replaces the whole configuration (stored as given), typed by the field's type as in
    /// `createCardFieldDefinition`. Values already on cards are not checked again.
    pub field_config: Option<Json<serde_json::Value>>,
    /// Whether cards must carry a value; applies to cards written from now on.
    pub is_required: Option<bool>,
}

/// A new order for a studio's card fields.
#[derive(InputObject)]
pub struct ReorderCardFieldDefinitionsInput {
    pub studio_id: Uuid,
    /// Every field of the studio, each once, in the new order (BAD_USER_INPUT on `fieldIds`
    /// otherwise); their `displayOrder` becomes 0..n-1.
    pub field_ids: Vec<Uuid>,
}

/// A card field definition by id.
#[derive(InputObject)]
pub struct DeleteCardFieldDefinitionInput {
    pub id: Uuid,
}

/// The studio's card fields in their new order.
#[derive(SimpleObject)]
pub struct ReorderCardFieldDefinitionsPayload {
    pub card_field_definitions: Vec<CardFieldDefinition>,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeleteCardFieldDefinitionPayload {
    pub deleted_card_field_definition_id: Uuid,
}

#[Object]
impl FieldDefinitionMutation {
    /// Changes a custom field of a studio's cards.
    async fn update_card_field_definition(
        &self,
        ctx: &Context<'_>,
        input: UpdateCardFieldDefinitionInput,
    ) -> GraphResult<CardFieldDefinitionPayload> {
        let changes = DefinitionChanges {
            field_name: input.field_name,
            field_config: input.field_config.map(|j| j.0),
            is_required: input.is_required,
        };
        let def = field_definition::update(writer(ctx), input.id, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(CardFieldDefinitionPayload {
            card_field_definition: CardFieldDefinition(def),
        })
    }

    /// Puts a studio's card fields in a new order, atomically.
    async fn reorder_card_field_definitions(
        &self,
        ctx: &Context<'_>,
        input: ReorderCardFieldDefinitionsInput,
    ) -> GraphResult<ReorderCardFieldDefinitionsPayload> {
        let defs = field_definition::reorder(writer(ctx), input.studio_id, input.field_ids)
            .await
            .map_err(GraphError::from)?;
        Ok(ReorderCardFieldDefinitionsPayload {
            card_field_definitions: defs.into_iter().map(CardFieldDefinition).collect(),
        })
    }

    /// Deletes a custom field: its value leaves every card of the studio, and the fields
    /// after it move up, in one transaction.
    async fn delete_card_field_definition(
        &self,
        ctx: &Context<'_>,
        input: DeleteCardFieldDefinitionInput,
    ) -> GraphResult<DeleteCardFieldDefinitionPayload> {
        let id = field_definition::delete(writer(ctx), input.id)
            .await
            .map_err(GraphError::from)?;
        Ok(DeleteCardFieldDefinitionPayload {
            deleted_card_field_definition_id: id,
        })
    }
}

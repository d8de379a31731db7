import type { Template } from "@mbe/db";

/** API shape of a template; `mine` tells the caller whether they may edit it. */
export function templateView(t: Template, viewerId: string) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    fields: t.fields,
    isPublic: t.isPublic,
    useCount: t.useCount,
    mine: t.ownerId === viewerId,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
